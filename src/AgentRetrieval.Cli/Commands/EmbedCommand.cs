using System.CommandLine;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval embed --text|--image</c>: prints the model's vector as JSON.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var text = new Option<string?>("--text") { Description = "The text to embed." };
        var image = new Option<string?>("--image") { Description = "The image file to embed." };
        var command = new Command("embed", "Print the embedding of a text or an image as JSON: {model, input_ids (text only), vector}.") { text, image };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            string? t = result.GetValue(text);
            string? i = result.GetValue(image);
            if ((t is null) == (i is null))
            {
                throw new SettingsException("Give exactly one of --text \"...\" or --image <file>.");
            }

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            if (t is not null)
            {
                var encoder = model.Text;
                Embedding<float> e = (await encoder.GenerateAsync([t], cancellationToken: token))[0];
                JsonOutput.Write(new { model = model.Identity.Key, input_ids = model.Tokenizer?.Encode(t), vector = e.Vector.ToArray() });
            }
            else
            {
                var encoder = model.Images;
                Embedding<float> e = (await encoder.GenerateAsync([new DataContent(SearchCommand.ReadImageArgument(i!, settings), "application/octet-stream") { Name = i }], cancellationToken: token))[0];
                JsonOutput.Write(new { model = model.Identity.Key, vector = e.Vector.ToArray() });
            }

            return 0;
        }, ct));
        return command;
    }
}
