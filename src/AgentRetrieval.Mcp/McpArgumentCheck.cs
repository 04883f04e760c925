using System.Reflection;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRetrieval.Mcp;

/// <summary>
/// Checks a tool call's arguments against the tool's parameters before it runs, so that a wrong name or type is
/// answered with which argument and why (the SDK alone says only "An error occurred invoking …").
/// </summary>
internal static class McpArgumentCheck
{
    private static readonly Dictionary<string, ParameterInfo[]> s_tools = typeof(McpImageTools).GetMethods()
        .Select(m => (Method: m, Attribute: m.GetCustomAttribute<McpServerToolAttribute>()))
        .Where(x => x.Attribute?.Name is not null)
        .ToDictionary(x => x.Attribute!.Name!, x => x.Method.GetParameters().Where(p => p.ParameterType != typeof(CancellationToken)).ToArray(), StringComparer.Ordinal);

    /// <summary>Why the arguments do not fit the tool, or null when they do.</summary>
    public static string? Problem(string? tool, IDictionary<string, JsonElement>? arguments)
    {
        if (tool is null || !s_tools.TryGetValue(tool, out ParameterInfo[]? parameters))
        {
            return null; // unknown tools are the SDK's to refuse
        }

        string expected = string.Join(", ", parameters.Select(p => $"{p.Name} ({Kind(p.ParameterType)}{(p.HasDefaultValue ? ", optional" : "")})"));
        arguments ??= new Dictionary<string, JsonElement>();
        foreach (string name in arguments.Keys)
        {
            if (!parameters.Any(p => p.Name == name))
            {
                return $"{tool} has no argument '{name}'. It takes: {expected}.";
            }
        }

        foreach (ParameterInfo p in parameters)
        {
            if (!arguments.TryGetValue(p.Name!, out JsonElement value))
            {
                if (!p.HasDefaultValue)
                {
                    return $"{tool} needs the argument '{p.Name}' ({Kind(p.ParameterType)}). It takes: {expected}.";
                }

                continue;
            }

            bool fits = p.ParameterType == typeof(int)
                ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _)
                : p.ParameterType != typeof(string) || value.ValueKind is JsonValueKind.String or JsonValueKind.Null;
            if (!fits)
            {
                return $"{tool}: the argument '{p.Name}' must be {Kind(p.ParameterType)}, not {Describe(value)}.";
            }
        }

        return null;
    }

    /// <summary>A tool result that reports an argument problem to the model.</summary>
    public static CallToolResult Refusal(string message) => new() { Content = [new TextContentBlock { Text = message }], IsError = true };

    private static string Kind(Type t) => t == typeof(int) ? "a whole number" : t == typeof(string) ? "a string" : t.Name;

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.String => $"the string {v.GetRawText()}",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {v.GetRawText()}",
        _ => "null",
    };
}
