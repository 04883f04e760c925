using Microsoft.AspNetCore.Http;

namespace AgentRetrieval.Web;

/// <summary>
/// Refuses requests whose <c>Host</c> is not a name this server was bound for (DNS rebinding: a page on
/// <c>evil.example</c> resolving to 127.0.0.1 would otherwise read the photos), and state-changing requests whose
/// <c>Origin</c> is another site. Requests without an Origin (curl, tools) are not browsers' cross-site requests.
/// </summary>
internal sealed class HostGuard
{
    private readonly HashSet<string> _hosts;

    private HostGuard(HashSet<string> hosts) => _hosts = hosts;

    /// <summary>The guard for the bound URLs plus the configured names.</summary>
    public static HostGuard For(string urls, IEnumerable<string> configured)
    {
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1", "[::1]" };
        foreach (string url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Uri.TryCreate(url.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal), UriKind.Absolute, out Uri? u))
            {
                hosts.Add(u.Host == "any" ? "0.0.0.0" : u.Host);
            }
        }

        foreach (string h in configured)
        {
            hosts.Add(h.Trim());
        }

        return new HostGuard(hosts);
    }

    /// <summary>Why the request is refused, or null when it may go on.</summary>
    public string? Refusal(HttpRequest request)
    {
        string host = request.Host.Host;
        if (string.IsNullOrEmpty(host) || !_hosts.Contains(host))
        {
            return $"This server does not answer to the host name '{host}'. Add it to Web:AllowedHosts if it is yours.";
        }

        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && request.Headers.Origin is { Count: > 0 } origin)
        {
            if (!Uri.TryCreate(origin.ToString(), UriKind.Absolute, out Uri? o) || !_hosts.Contains(o.Host))
            {
                return $"Requests that change something are accepted only from this page, not from '{origin}'.";
            }
        }

        return null;
    }
}
