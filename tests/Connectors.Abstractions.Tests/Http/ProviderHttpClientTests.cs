using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Connectors.Abstractions.Tests.Http;

[Collection(WireMockTest.Collection)]
public sealed class ProviderHttpClientTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private ServiceProvider? _services;

    private ProviderHttpClient Client(Action<ConnectorHttpOptions>? configure = null)
    {
        var options = new ConnectorHttpOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        configure?.Invoke(options);
        _services = ConnectorHost.Build(Logs, b => b.Services.AddHttpClient("test").RemoveAllLoggers());
        return new ProviderHttpClient(
            "TestProvider",
            _services.GetRequiredService<IHttpClientFactory>(),
            "test",
            options,
            _services.GetRequiredService<ILoggerFactory>().CreateLogger("test"));
    }

    private ProviderRequest Get(string path) => new("read", HttpMethod.Get, new Uri(WireMock.BaseUri, path), RequestSafety.Safe);

    private ProviderRequest Post(string path) => new("write", HttpMethod.Post, new Uri(WireMock.BaseUri, path), RequestSafety.Unsafe)
    {
        Content = () => new FormUrlEncodedContent([new("field", "value")]),
    };

    public void Dispose() => _services?.Dispose();

    [Fact]
    public async Task Safe_GET_is_retried_after_503_and_succeeds()
    {
        await WireMock.LoadContractAsync("http/get-503-then-200.json");

        var json = await Client().SendAsync(Get("/items"));

        json.GetProperty("id").GetString().Should().Be("42");
        (await WireMock.CountAsync("GET", "/items")).Should().Be(2);
        Logs.Entries.Should().Contain(e => e.EventId.Id == 1002 && e.Message.Contains("HTTP 503", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unsafe_POST_is_not_retried_after_503()
    {
        await WireMock.LoadContractAsync("http/post-503.json");

        var act = () => Client().SendAsync(Post("/send"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.HttpStatusCode.Should().Be(503);
        error.Message.Should().Contain("TestProvider write").And.Contain("HTTP 503");
        (await WireMock.CountAsync("POST", "/send")).Should().Be(1);
        var request = (await WireMock.GetRequestsAsync()).Single();
        request.Form.Should().Equal(new Dictionary<string, string> { ["field"] = "value" });
    }

    [Fact]
    public async Task Attempt_timeout_becomes_a_ConnectorException_within_the_bound()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        var client = Client(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(300);
            o.MaxRetryAttempts = 1;
        });

        var watch = Stopwatch.StartNew();
        var act = () => client.SendAsync(Get("/slow"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2), "two 300 ms attempts and a short delay");
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.Message.Should().Contain("timed out");
        (await WireMock.CountAsync("GET", "/slow")).Should().Be(2);
    }

    [Fact]
    public async Task Overall_timeout_bounds_all_attempts()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        var client = Client(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(3);
            o.OverallTimeout = TimeSpan.FromMilliseconds(500);
        });

        var watch = Stopwatch.StartNew();
        var act = () => client.SendAsync(Get("/slow"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Message.Should().Contain("timed out");
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(2));
    }

    [Theory]
    [InlineData("http/get-html.json", "/html", "HTML page")]
    [InlineData("http/get-truncated.json", "/truncated", "not valid JSON")]
    public async Task A_2xx_body_that_is_not_JSON_is_InvalidResponse(string contract, string path, string expected)
    {
        await WireMock.LoadContractAsync(contract);

        var act = () => Client().SendAsync(Get(path));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        error.Message.Should().Contain(expected);
        (await WireMock.CountAsync("GET", path)).Should().Be(1, "a malformed body is not transient");
    }

    [Fact]
    public async Task A_body_over_the_size_cap_is_InvalidResponse()
    {
        var big = new string('a', 2 * 1024 * 1024);
        await WireMock.StubAsync($$"""
            { "request": { "method": "GET", "urlPath": "/big" },
              "response": { "status": 200, "body": "{\"data\":\"{{big}}\"}", "headers": { "Content-Type": "application/json" } } }
            """);

        var act = () => Client().SendAsync(Get("/big"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        error.Message.Should().Contain("larger than the 1048576 byte limit");
    }

    [Fact]
    public async Task A_body_over_a_small_cap_without_content_length_is_rejected_while_reading()
    {
        await WireMock.StubAsync("""
            { "request": { "method": "GET", "urlPath": "/chunked" },
              "response": { "status": 200, "body": "{\"data\":\"0123456789012345678901234567890123456789\"}",
                            "headers": { "Content-Type": "application/json", "Transfer-Encoding": "chunked" } } }
            """);

        var act = () => Client(o => o.MaxResponseBytes = 16).SendAsync(Get("/chunked"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
    }

    [Fact]
    public async Task Connection_reset_is_a_typed_error_after_retries_of_a_safe_call()
    {
        await WireMock.LoadContractAsync("http/get-reset.json");

        var act = () => Client().SendAsync(Get("/reset"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.Message.Should().Contain("TestProvider read failed");
        (await WireMock.CountAsync("GET", "/reset")).Should().Be(3);
    }

    [Fact]
    public async Task Connection_reset_of_an_unsafe_call_is_not_retried()
    {
        await WireMock.LoadContractAsync("http/post-reset.json");

        var act = () => Client().SendAsync(Post("/reset"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.General);
        (await WireMock.CountAsync("POST", "/reset")).Should().Be(1);
    }

    [Fact]
    public async Task Refused_connection_is_a_typed_error()
    {
        var port = LoopbackPort.Free();

        var act = () => Client().SendAsync(new ProviderRequest("write", HttpMethod.Post, new Uri($"http://127.0.0.1:{port}/send"), RequestSafety.Unsafe));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.Message.Should().Contain("could not be established");
        Logs.Entries.Count(e => e.EventId.Id == 1002).Should().Be(2, "a refused connection never reached the server, so even an unsafe call may be retried");
    }

    [Fact]
    public async Task Caller_cancellation_stays_an_OperationCanceledException()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var act = () => Client().SendAsync(Get("/slow"), cts.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task Status_429_is_RateLimitExceeded_with_retry_after_and_not_retried()
    {
        await WireMock.LoadContractAsync("http/get-429.json");

        var act = () => Client().SendAsync(Get("/limited"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.RateLimitExceeded);
        error.RetryAfter.Should().Be(TimeSpan.FromSeconds(120));
        (await WireMock.CountAsync("GET", "/limited")).Should().Be(1);
    }

    [Fact]
    public async Task Inspect_maps_a_provider_error_in_a_200_body_and_marks_it_transient()
    {
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/busy" }, "response": { "status": 200, "jsonBody": { "errcode": -1 } } }""");
        var request = Get("/busy") with
        {
            Inspect = r => r.TryGetJson(out var j) && j.GetProperty("errcode").GetInt32() != 0
                ? new ProviderFailure(ConnectorErrorCode.General, "says busy") { ProviderErrorCode = "-1", IsTransient = true }
                : null,
        };

        var act = () => Client().SendAsync(request);

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.ProviderErrorCode.Should().Be("-1");
        error.Message.Should().Be("TestProvider read says busy.");
        (await WireMock.CountAsync("GET", "/busy")).Should().Be(3);
    }

    [Fact]
    public async Task Authorization_header_is_sent_and_never_logged()
    {
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/me" }, "response": { "status": 401, "body": "no" } }""");
        var request = Get("/me?access_token=query-secret-123") with { Authorization = new AuthenticationHeaderValue("Bearer", "header-secret-456") };

        var act = () => Client().SendAsync(request);

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        var received = (await WireMock.GetRequestsAsync()).Single();
        received.Header("Authorization").Should().Be("Bearer header-secret-456");
        received.Query["access_token"].Should().Be("query-secret-123");
        SecretAssertions.Texts(error).Concat(Logs.AllText).ShouldNotContainAny("query-secret-123", "header-secret-456");
    }
}

[Collection(WireMockTest.Collection)]
public sealed class DiagnosticsTests(WireMockFixture fixture) : WireMockTest(fixture)
{
    [Fact]
    public async Task Requests_failures_and_retries_are_measured_with_provider_operation_and_code_tags()
    {
        await WireMock.LoadContractAsync("http/get-503-then-200.json");
        await WireMock.LoadContractAsync("http/get-429.json");
        var measurements = new System.Collections.Concurrent.ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ConnectorsDiagnostics.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record(System.Diagnostics.Metrics.Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            if ((string?)copy.GetValueOrDefault("connectors.provider") == "MeteredProvider")
            {
                measurements.Add((instrument.Name, value, copy));
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        using var services = ConnectorHost.Build(Logs, b => b.Services.AddHttpClient("metered").RemoveAllLoggers());
        var client = new ProviderHttpClient("MeteredProvider", services.GetRequiredService<IHttpClientFactory>(), "metered",
            new ConnectorHttpOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10) }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

        await client.SendAsync(new ProviderRequest("items", HttpMethod.Get, new Uri(WireMock.BaseUri, "/items"), RequestSafety.Safe));
        await ((Func<Task>)(() => client.SendAsync(new ProviderRequest("limited", HttpMethod.Get, new Uri(WireMock.BaseUri, "/limited"), RequestSafety.Safe))))
            .Should().ThrowAsync<ConnectorException>();

        measurements.Where(m => m.Instrument == "connectors.requests").Select(m => (string?)m.Tags["connectors.operation"]).Should().BeEquivalentTo("items", "limited");
        measurements.Should().ContainSingle(m => m.Instrument == "connectors.retries").Which.Tags["connectors.operation"].Should().Be("items");
        var failure = measurements.Should().ContainSingle(m => m.Instrument == "connectors.failures").Subject;
        failure.Tags["connectors.operation"].Should().Be("limited");
        failure.Tags["connectors.error_code"].Should().Be("rate_limit_exceeded");
        measurements.Count(m => m.Instrument == "connectors.request.duration").Should().Be(2);
    }
}
