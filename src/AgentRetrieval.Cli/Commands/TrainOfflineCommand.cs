using System.CommandLine;
using System.Globalization;
using System.Numerics.Tensors;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Evaluation;
using AgentRetrieval.Onnx.Offline;

namespace AgentRetrieval.Cli.Commands;

/// <summary>
/// <c>agentretrieval models train-offline &lt;dataset&gt;</c>: fits the offline default's text→image bridge on a
/// training split (ridge regression, penalty chosen by 5-fold cross-validation over images) and writes it.
/// </summary>
internal static class TrainOfflineCommand
{
    private static readonly double[] s_lambdas = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100];

    public static Command Create()
    {
        var dataset = new Argument<string>("dataset") { Description = "A folder with images/ and captions.json (or a Karpathy file)." };
        var split = new Option<string>("--split") { Description = "The split to train on.", DefaultValueFactory = _ => "train" };
        var output = new Option<string?>("--out") { Description = "Where to write the bridge (default: <Models:Directory>/offline-default/bridge.bin; the shipped bridge is never overwritten unless named here)." };
        var command = new Command("train-offline", "Fit the offline default's text-to-image bridge on a training split.") { dataset, split, output };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            EvalDataset set = EvalDataset.Load(result.GetValue(dataset)!);
            IReadOnlyList<EvalItem> items = set.Split(result.GetValue(split)!);
            if (items.Count < 10)
            {
                throw new SettingsException($"The '{result.GetValue(split)}' split has {items.Count} items; the bridge needs at least 10.");
            }

            using OfflineDefaultModel model = OfflineDefaultModel.LoadForTraining();
            Ui.Info($"embedding {items.Count} images and their captions…");
            float[][] images = await Task.Run(() => model.ImageFeatures([.. items.Select(i => (ReadOnlyMemory<byte>)File.ReadAllBytes(i.Path))], token), token);
            var captionOf = new List<(int Item, string Text)>();
            for (int i = 0; i < items.Count; i++)
            {
                captionOf.AddRange(items[i].Captions.Select(c => (i, c)));
            }

            float[][] texts = model.TextFeatures([.. captionOf.Select(c => c.Text)], token);
            double best = double.NegativeInfinity, bestLambda = s_lambdas[0];
            foreach (double lambda in s_lambdas)
            {
                double mrr = CrossValidate(images, texts, captionOf, lambda);
                Ui.Info(string.Create(CultureInfo.InvariantCulture, $"  lambda {lambda,6}: cross-validated text→image MRR {mrr:0.000}"));
                if (mrr > best)
                {
                    best = mrr;
                    bestLambda = lambda;
                }
            }

            LinearBridge bridge = LinearBridge.Fit(texts, [.. captionOf.Select(c => images[c.Item])], bestLambda);
            string path = Path.GetFullPath(result.GetValue(output) is { } o ? CliSettings.ExpandPath(o)
                : Path.Combine(CliSettings.Load(CommandLine.Globals(result)).Models.Directory, "offline-default", "bridge.bin"));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            bridge.Save(path);
            Ui.Info(string.Create(CultureInfo.InvariantCulture, $"wrote {path} (lambda {bestLambda}, cross-validated MRR {best:0.000}, {captionOf.Count} caption–image pairs from {set.Name}/{result.GetValue(split)})"));
            if (result.GetValue(output) is null)
            {
                Ui.Info($"The program still uses the shipped bridge ({Onnx.Offline.OfflineDefaultModel.DefaultBridgePath}). To use this one, copy it there; indexes built with the shipped bridge must then be rebuilt (index --rebuild).");
            }
            return 0;
        }, ct));
        return command;
    }

    /// <summary>Mean reciprocal rank of the right image among the held-out fold's images, over 5 folds by image.</summary>
    private static double CrossValidate(float[][] images, float[][] texts, List<(int Item, string Text)> captions, double lambda)
    {
        const int folds = 5;
        double sum = 0;
        int count = 0;
        for (int f = 0; f < folds; f++)
        {
            int[] train = [.. Enumerable.Range(0, captions.Count).Where(c => captions[c].Item % folds != f)];
            int[] testImages = [.. Enumerable.Range(0, images.Length).Where(i => i % folds == f)];
            LinearBridge bridge = LinearBridge.Fit([.. train.Select(c => texts[c])], [.. train.Select(c => images[captions[c].Item])], lambda);
            float[][] centred = [.. testImages.Select(i => Unit([.. images[i].Select((v, d) => v - bridge.OutputMean[d])]))];
            foreach (int c in Enumerable.Range(0, captions.Count).Where(c => captions[c].Item % folds == f))
            {
                float[] q = Unit(bridge.Apply(texts[c]));
                float target = TensorPrimitives.Dot(q, centred[Array.IndexOf(testImages, captions[c].Item)]);
                int rank = 1 + centred.Count(v => TensorPrimitives.Dot(q, v) > target);
                sum += 1.0 / rank;
                count++;
            }
        }

        return sum / count;
    }

    private static float[] Unit(float[] v)
    {
        float n = TensorPrimitives.Norm(v);
        if (n > 0)
        {
            TensorPrimitives.Divide(v, n, v);
        }

        return v;
    }
}
