using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Connectors.Abstractions.Tests.Diagnostics;

public sealed class OpenTelemetryTests
{
    private const string Provider = "OtelProvider";

    [Fact]
    public async Task AddConnectorsInstrumentation_exports_operations_with_error_type_from_the_hosts_meter()
    {
        var spans = new ConcurrentQueue<(string Name, ActivityStatusCode Status, Dictionary<string, object?> Tags)>();
        var points = new ConcurrentQueue<(string Metric, long Value, Dictionary<string, object?> Tags)>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddConnectorsInstrumentation()
            .AddProcessor(new SimpleActivityExportProcessor(new Exporter<Activity>(batch =>
            {
                foreach (var activity in batch)
                {
                    var tags = activity.TagObjects.ToDictionary(t => t.Key, t => t.Value);
                    if ((string?)tags.GetValueOrDefault("connectors.provider") == Provider)
                    {
                        spans.Enqueue((activity.DisplayName, activity.Status, tags));
                    }
                }
            }))).Build();
        var reader = new BaseExportingMetricReader(new Exporter<Metric>(batch =>
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    var tags = new Dictionary<string, object?>();
                    foreach (var tag in point.Tags)
                    {
                        tags[tag.Key] = tag.Value;
                    }

                    if ((string?)tags.GetValueOrDefault("connectors.provider") == Provider && metric.MetricType == MetricType.LongSum)
                    {
                        points.Enqueue((metric.Name, point.GetSumLong(), tags));
                    }
                }
            }
        }));
        using var metrics = Sdk.CreateMeterProviderBuilder().AddConnectorsInstrumentation().AddReader(reader).Build();

        var services = new ServiceCollection();
        services.AddConnectors();
        services.AddHttpClient("otel").ConfigurePrimaryHttpMessageHandler(() => new PathHandler());
        using var provider = services.BuildServiceProvider();
        var client = new ProviderHttpClient(Provider, provider.GetRequiredService<IHttpClientFactory>(), "otel", new ConnectorHttpOptions(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, meterFactory: provider.GetRequiredService<IMeterFactory>());

        await client.SendJsonAsync(new ProviderRequest("lookup", HttpMethod.Get, new Uri("https://otel.example/ok"), RequestSafety.Safe));
        var send = () => client.SendJsonAsync(new ProviderRequest("send", HttpMethod.Post, new Uri("https://otel.example/limited"), RequestSafety.Unsafe));
        await send.Should().ThrowAsync<ConnectorException>();
        metrics.ForceFlush().Should().BeTrue();

        spans.Select(s => s.Name).Should().BeEquivalentTo($"{Provider} lookup", $"{Provider} send");
        var failed = spans.Single(s => s.Name == $"{Provider} send");
        failed.Status.Should().Be(ActivityStatusCode.Error);
        failed.Tags["error.type"].Should().Be("rate_limit_exceeded");
        failed.Tags["http.response.status_code"].Should().Be(429);
        spans.Single(s => s.Name == $"{Provider} lookup").Tags.Should().NotContainKey("error.type");

        points.Should().ContainSingle(p => p.Metric == "connectors.failures").Which.Tags["error.type"].Should().Be("rate_limit_exceeded");
        points.Where(p => p.Metric == "connectors.requests").Select(p => (p.Tags["connectors.operation"], p.Tags.GetValueOrDefault("error.type"), p.Value))
            .Should().BeEquivalentTo(new[] { ((object?)"lookup", (object?)null, 1L), ("send", "rate_limit_exceeded", 1L) });
    }

    [Fact]
    public void The_builders_are_required() =>
        FluentActions.Invoking(() => ConnectorsInstrumentationExtensions.AddConnectorsInstrumentation((TracerProviderBuilder)null!)).Should().Throw<ArgumentNullException>();

    private sealed class Exporter<T>(Action<Batch<T>> export) : BaseExporter<T>
        where T : class
    {
        public override ExportResult Export(in Batch<T> batch)
        {
            export(batch);
            return ExportResult.Success;
        }
    }

    private sealed class PathHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(request.RequestUri!.AbsolutePath == "/ok"
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"ok\":true}", System.Text.Encoding.UTF8, "application/json") }
                : new HttpResponseMessage(HttpStatusCode.TooManyRequests));
    }
}
