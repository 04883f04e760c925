namespace AgentRetrieval.Telemetry;

/// <summary>Where the spans and metrics of <see cref="AgentTelemetry"/> go.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Telemetry";

    /// <summary>
    /// An OpenTelemetry collector's OTLP endpoint (for example <c>http://localhost:4317</c> for gRPC, or
    /// <c>http://localhost:4318</c> with <see cref="OtlpProtocol"/> <c>http/protobuf</c>); empty: nothing is exported.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";
}
