using System.CommandLine;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Onnx.Encoders.Tokenization;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval embed --text|--image</c>: prints the model's vector as JSON.</summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var text = new Option<string?>("--text") { Description = "The text to embed." };
        var image = new Option<string?>("--image") { Description = "The image file to embed." };
        var command = new Command("embed",
            "Print the embedding of a text or an image as JSON: {model, family, layout, input_ids and attention_mask as the model receives them (text), vector}. " +
            "With both --text and --image: both vectors, their cosine and, for a SigLIP model with a recorded scale and bias, the match probability.") { text, image };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            string? t = result.GetValue(text);
            string? i = result.GetValue(image);
            if (t is null && i is null)
            {
                throw new SettingsException("Give --text \"...\", --image <file>, or both.");
            }

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            TokenizedText? tokens = t is null ? null : model.Tokenizer?.Encode(t);
            float[]? textVector = t is null ? null : (await model.Text.GenerateAsync([t], cancellationToken: token))[0].Vector.ToArray();
            float[]? imageVector = i is null ? null
                : (await model.Images.GenerateAsync([new DataContent(SearchCommand.ReadImageArgument(i, settings), "application/octet-stream") { Name = i }], cancellationToken: token))[0].Vector.ToArray();
            string family = model.Family;
            if (textVector is not null && imageVector is not null)
            {
                double cosine = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(textVector, imageVector);
                ScoreCalibration? calibration = model.Text.GetService<ScoreCalibration>();
                JsonOutput.Write(new
                {
                    model = model.Identity.Key,
                    family,
                    layout = model.Layout,
                    input_ids = tokens?.Ids,
                    attention_mask = tokens?.AttentionMask,
                    text_vector = textVector,
                    image_vector = imageVector,
                    cosine,
                    probability = calibration?.Probability(cosine),
                    logit_scale_exp = calibration?.Scale,
                    logit_bias = calibration?.Bias,
                });
            }
            else if (textVector is not null)
            {
                JsonOutput.Write(new { model = model.Identity.Key, family, layout = model.Layout, input_ids = tokens?.Ids, attention_mask = tokens?.AttentionMask, vector = textVector });
            }
            else
            {
                JsonOutput.Write(new { model = model.Identity.Key, family, layout = model.Layout, vector = imageVector });
            }

            return 0;
        }, ct));
        return command;
    }
}
