namespace AgentRetrieval.Metadata;

/// <summary>What a photo's own metadata (EXIF, XMP) says about it, read at index time.</summary>
/// <param name="TakenAt">
/// When the photo was taken, as the camera's wall-clock time where it was taken (EXIF DateTimeOriginal, else
/// CreateDate/DateTimeDigitized); <see cref="DateTimeKind.Unspecified"/>. Never the file's modification time.
/// </param>
/// <param name="TakenOffset">The UTC offset of <paramref name="TakenAt"/> (EXIF OffsetTimeOriginal), when recorded.</param>
/// <param name="Latitude">GPS latitude in degrees, when recorded.</param>
/// <param name="Longitude">GPS longitude in degrees, when recorded.</param>
/// <param name="CameraMake">The camera maker (EXIF Make), trimmed.</param>
/// <param name="CameraModel">The camera model (EXIF Model), trimmed.</param>
/// <param name="Orientation">EXIF orientation (1–8), when recorded.</param>
public sealed record PhotoMetadata(
    DateTime? TakenAt,
    TimeSpan? TakenOffset,
    double? Latitude,
    double? Longitude,
    string? CameraMake,
    string? CameraModel,
    int? Orientation)
{
    /// <summary>Nothing known.</summary>
    public static PhotoMetadata Empty { get; } = new(null, null, null, null, null, null, null);

    /// <summary>Whether a GPS position is known.</summary>
    public bool HasPosition => Latitude is not null && Longitude is not null;

    /// <summary>The camera as people name it: the model, prefixed by the make unless the model already says it.</summary>
    public string? Camera => CameraName(CameraMake, CameraModel);

    /// <summary>Joins make and model the way people name a camera ("Canon EOS 5D", "Apple iPhone 12").</summary>
    /// <param name="make">The maker, or null.</param>
    /// <param name="model">The model, or null.</param>
    /// <returns>The name, or null when both are missing.</returns>
    public static string? CameraName(string? make, string? model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return string.IsNullOrWhiteSpace(make) ? null : make;
        }

        if (string.IsNullOrWhiteSpace(make))
        {
            return model;
        }

        string firstWord = make.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return model.StartsWith(firstWord, StringComparison.OrdinalIgnoreCase) ? model : make + " " + model;
    }
}
