using AgentRetrieval.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Turns on OTLP export of <see cref="AgentTelemetry"/>'s spans and metrics when an endpoint is configured.</summary>
internal static class TelemetryExport
{
    /// <summary>Starts the exporters (disposing flushes them), or returns null when no endpoint is set.</summary>
    /// <param name="options">Telemetry settings (Telemetry:OtlpEndpoint, Telemetry:OtlpProtocol).</param>
    /// <exception cref="SettingsException">The endpoint or protocol is not valid.</exception>
    public static IDisposable? Start(TelemetryOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint))
        {
            return null;
        }

        if (!Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out Uri? endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new SettingsException($"Telemetry:OtlpEndpoint '{options.OtlpEndpoint}' is not an http(s) address such as http://localhost:4317.");
        }

        OtlpExportProtocol protocol = options.OtlpProtocol switch
        {
            "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            _ => throw new SettingsException($"Telemetry:OtlpProtocol '{options.OtlpProtocol}' is not 'grpc' or 'http/protobuf'."),
        };

        ResourceBuilder resource = ResourceBuilder.CreateDefault().AddService("agentretrieval", serviceVersion: typeof(TelemetryExport).Assembly.GetName().Version?.ToString());
        // Over HTTP each signal has its own path under the collector's address (an explicit endpoint is used as given).
        Uri tracesAt = protocol == OtlpExportProtocol.HttpProtobuf ? SignalPath(endpoint, "v1/traces") : endpoint;
        Uri metricsAt = protocol == OtlpExportProtocol.HttpProtobuf ? SignalPath(endpoint, "v1/metrics") : endpoint;
        TracerProvider traces = Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(AgentTelemetry.Name)
            .AddOtlpExporter(o => { o.Endpoint = tracesAt; o.Protocol = protocol; }).Build();
        MeterProvider metrics = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(AgentTelemetry.Name)
            .AddOtlpExporter(o => { o.Endpoint = metricsAt; o.Protocol = protocol; }).Build();
        Ui.Info($"Telemetry: spans and metrics go to {endpoint} (OTLP {options.OtlpProtocol}).");
        return new Both(traces, metrics);
    }

    private static Uri SignalPath(Uri collector, string path)
    {
        string basePath = collector.AbsolutePath.TrimEnd('/');
        basePath = basePath.EndsWith("/v1/traces", StringComparison.Ordinal) || basePath.EndsWith("/v1/metrics", StringComparison.Ordinal) ? basePath[..basePath.LastIndexOf("/v1/", StringComparison.Ordinal)] : basePath;
        return new UriBuilder(collector) { Path = basePath + "/" + path }.Uri;
    }

    private sealed class Both(TracerProvider traces, MeterProvider metrics) : IDisposable
    {
        public void Dispose()
        {
            traces.Dispose();
            metrics.Dispose();
        }
    }
}
