using System.Text;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Generation;

/// <summary>The chat prompt format of a model family, chosen from <c>genai_config.json</c>'s model type.</summary>
public enum PromptFormatKind
{
    /// <summary>Phi-3 / Phi-3.5 (vision): <c>&lt;|user|&gt;\n&lt;|image_1|&gt;\n{text}&lt;|end|&gt;\n&lt;|assistant|&gt;\n</c>.</summary>
    Phi3,

    /// <summary>Phi-4-multimodal: <c>&lt;|user|&gt;&lt;|image_1|&gt;{text}&lt;|end|&gt;&lt;|assistant|&gt;</c>.</summary>
    Phi4MultiModal,

    /// <summary>Gemma 3: <c>&lt;start_of_turn&gt;user\n&lt;start_of_image&gt;{text}&lt;end_of_turn&gt;\n&lt;start_of_turn&gt;model\n</c> (no system role: it opens the first user turn).</summary>
    Gemma3,

    /// <summary>Qwen2.5-VL (ChatML): <c>&lt;|im_start|&gt;user\n&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;{text}&lt;|im_end|&gt;</c>.</summary>
    Qwen25VL,
}

/// <summary>Builds model prompts from chat messages, numbering the images in order.</summary>
public static class PromptFormat
{
    /// <summary>The format for a <c>genai_config.json</c> model type.</summary>
    /// <param name="modelType">phi3v, phi3, phi4mm, qwen2_5_vl, qwen2 …</param>
    /// <exception cref="NotSupportedException">An unknown family.</exception>
    public static PromptFormatKind ForModelType(string modelType) => modelType switch
    {
        "phi3v" or "phi3" or "phi3small" or "phimoe" or "phi" => PromptFormatKind.Phi3,
        "phi4mm" or "phi4" => PromptFormatKind.Phi4MultiModal,
        "qwen2_5_vl" or "qwen2" or "qwen3" or "qwen2_vl" => PromptFormatKind.Qwen25VL,
        "gemma3" or "gemma3_text" or "gemma2" or "gemma" => PromptFormatKind.Gemma3,
        _ => throw new NotSupportedException($"Model type '{modelType}' has no known chat format; supported: Phi-3/3.5(-vision), Phi-4-multimodal, Qwen2.5-VL, Gemma 3."),
    };

    /// <summary>Renders messages as a prompt that ends with the assistant's turn open.</summary>
    /// <param name="kind">The format.</param>
    /// <param name="messages">The conversation.</param>
    /// <returns>The prompt and the images in tag order.</returns>
    public static (string Prompt, List<DataContent> Images) Render(PromptFormatKind kind, IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder();
        var images = new List<DataContent>();
        string? pendingSystem = null;
        foreach (ChatMessage m in messages)
        {
            string role = m.Role == ChatRole.System ? "system" : m.Role == ChatRole.Assistant ? "assistant" : "user";
            var body = new StringBuilder();
            foreach (AIContent c in m.Contents)
            {
                switch (c)
                {
                    case TextContent t:
                        body.Append(t.Text);
                        break;
                    case DataContent d when d.HasTopLevelMediaType("image") || d.MediaType == "application/octet-stream":
                        images.Add(d);
                        body.Append(kind switch
                        {
                            PromptFormatKind.Phi3 => $"<|image_{images.Count}|>\n",
                            PromptFormatKind.Phi4MultiModal => $"<|image_{images.Count}|>",
                            PromptFormatKind.Gemma3 => "<start_of_image>",
                            _ => "<|vision_start|><|image_pad|><|vision_end|>",
                        });
                        break;
                }
            }

            if (kind == PromptFormatKind.Gemma3 && role == "system")
            {
                pendingSystem = body + "\n\n";
                continue;
            }

            if (kind == PromptFormatKind.Gemma3 && role == "user" && pendingSystem is not null)
            {
                body.Insert(0, pendingSystem);
                pendingSystem = null;
            }

            sb.Append(kind switch
            {
                PromptFormatKind.Gemma3 => $"<start_of_turn>{(role == "assistant" ? "model" : "user")}\n{body}<end_of_turn>\n",
                PromptFormatKind.Phi3 => $"<|{role}|>\n{body}<|end|>\n",
                PromptFormatKind.Phi4MultiModal => $"<|{role}|>{body}<|end|>",
                _ => $"<|im_start|>{role}\n{body}<|im_end|>\n",
            });
        }

        sb.Append(kind switch
        {
            PromptFormatKind.Phi3 => "<|assistant|>\n",
            PromptFormatKind.Phi4MultiModal => "<|assistant|>",
            PromptFormatKind.Gemma3 => "<start_of_turn>model\n",
            _ => "<|im_start|>assistant\n",
        });
        return (sb.ToString(), images);
    }
}
