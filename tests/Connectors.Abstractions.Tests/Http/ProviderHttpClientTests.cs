using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace Connectors.Abstractions.Tests.Http;

[Collection(WireMockTest.Collection)]
public sealed class ProviderHttpClientTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private ServiceProvider? _services;

    /// <summary>A client on <paramref name="time"/>, by default a manual clock nobody moves: no timeout fires unless a
    /// test asks for one, however slow the machine. Retries do not wait (a retry delay would be a timer too).</summary>
    private ProviderHttpClient Client(Action<ConnectorHttpOptions>? configure = null, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        var options = new ConnectorHttpOptions { RetryBaseDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        _services = ConnectorHost.Build(Logs, b =>
        {
            var client = b.Services.AddHttpClient("test").RemoveAllLoggers();
            if (handler is not null)
            {
                client.ConfigurePrimaryHttpMessageHandler(() => handler);
            }
        });
        return new ProviderHttpClient(
            "TestProvider",
            _services.GetRequiredService<IHttpClientFactory>(),
            "test",
            options,
            _services.GetRequiredService<ILoggerFactory>().CreateLogger("test"),
            time ?? new ManualTimeProvider());
    }

    // Timeouts run on a manual clock: WireMock holds /slow for 60 s of real time and the timeouts are minutes long,
    // so an attempt ends only when the test moves the clock past its timeout, after WireMock has journaled the
    // request. Counts are then exact, and a client that ignored its TimeProvider would fail, not pass slowly.
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);



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

        var json = await Client().SendJsonAsync(Get("/items"));

        json.GetProperty("id").GetString().Should().Be("42");
        (await WireMock.CountAsync("GET", "/items")).Should().Be(2);
        Logs.Entries.Should().Contain(e => e.EventId.Id == 1002 && e.Message.Contains("HTTP 503", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unsafe_POST_is_not_retried_after_503()
    {
        await WireMock.LoadContractAsync("http/post-503.json");

        var act = () => Client().SendJsonAsync(Post("/send"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.HttpStatusCode.Should().Be(503);
        error.Message.Should().Contain("TestProvider write").And.Contain("HTTP 503");
        (await WireMock.CountAsync("POST", "/send")).Should().Be(1);
        var request = (await WireMock.GetRequestsAsync()).Single();
        request.Form.Should().Equal(new Dictionary<string, string> { ["field"] = "value" });
    }

    [Fact]
    public async Task Attempt_timeout_of_a_safe_call_is_retried_then_becomes_a_ConnectorException()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        var time = new ManualTimeProvider();
        var client = Client(o =>
        {
            o.AttemptTimeout = Long;
            o.OverallTimeout = TimeSpan.FromHours(1);
            o.MaxRetryAttempts = 1;
        }, time);

        var send = client.SendJsonAsync(Get("/slow"));
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            await WireMock.WaitForCountAsync("GET", "/slow", attempt);
            send.IsCompleted.Should().BeFalse("attempt {0} ends only when its timeout passes", attempt);
            time.Advance(Long);
        }

        var error = (await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.Message.Should().Contain("timed out");
        error.InnerException.Should().BeOfType<TimeoutRejectedException>();
        (await WireMock.CountAsync("GET", "/slow")).Should().Be(2);
        Logs.Entries.Count(e => e.EventId.Id == 1002).Should().Be(1);
    }

    [Fact]
    public async Task Attempt_timeout_of_an_unsafe_call_is_not_retried()
    {
        await WireMock.StubAsync("""{ "request": { "method": "POST", "urlPath": "/send" }, "response": { "status": 200, "jsonBody": { "id": "late" }, "fixedDelayMilliseconds": 60000 } }""");
        var time = new ManualTimeProvider();
        var client = Client(o =>
        {
            o.AttemptTimeout = Long;
            o.OverallTimeout = TimeSpan.FromHours(1);
        }, time);

        var send = client.SendJsonAsync(Post("/send"));
        await WireMock.WaitForCountAsync("POST", "/send", 1);
        time.Advance(Long);

        (await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which.Message.Should().Contain("timed out");
        (await WireMock.CountAsync("POST", "/send")).Should().Be(1);
        Logs.Entries.Should().NotContain(e => e.EventId.Id == 1002);
    }

    [Fact]
    public async Task Overall_timeout_bounds_all_attempts()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        var time = new ManualTimeProvider();
        var client = Client(o =>
        {
            o.AttemptTimeout = TimeSpan.FromHours(1);
            o.OverallTimeout = Long;
        }, time);

        var send = client.SendJsonAsync(Get("/slow"));
        await WireMock.WaitForCountAsync("GET", "/slow", 1);
        time.Advance(Long - TimeSpan.FromTicks(1));
        send.IsCompleted.Should().BeFalse("the overall timeout has not passed yet");
        time.Advance(TimeSpan.FromTicks(1));

        var error = (await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which;
        error.Message.Should().Contain("timed out").And.Contain("the operation 600 s");
        (await WireMock.CountAsync("GET", "/slow")).Should().Be(1, "the overall timeout ends the operation instead of retrying");
    }

    [Fact]
    public async Task Timeouts_run_on_real_time_without_a_TimeProvider()
    {
        // The one test on real timers: WireMock holds the response 60 s, the attempt may take 200 ms, so the call
        // must end long before the response could come; the bound is generous for a loaded machine.
        await WireMock.LoadContractAsync("http/get-slow.json");
        var client = Client(o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(200);
            o.MaxRetryAttempts = 0;
        }, TimeProvider.System);

        var watch = Stopwatch.StartNew();
        var act = () => client.SendJsonAsync(Get("/slow"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.InnerException.Should().BeOfType<TimeoutRejectedException>();
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("http/get-html.json", "/html", "HTML page")]
    [InlineData("http/get-truncated.json", "/truncated", "not valid JSON")]
    public async Task A_2xx_body_that_is_not_JSON_is_InvalidResponse(string contract, string path, string expected)
    {
        await WireMock.LoadContractAsync(contract);

        var act = () => Client().SendJsonAsync(Get(path));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        error.Message.Should().Contain(expected);
        (await WireMock.CountAsync("GET", path)).Should().Be(1, "a malformed body is not transient");
    }

    [Fact]
    public async Task A_Content_Length_over_the_cap_is_rejected_from_the_header_without_reading_the_body()
    {
        var body = new CountingStream(5 * 1024 * 1024);
        var handler = new FixedResponseHandler(() =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentLength = body.Length;
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = content };
        });

        var act = () => Client(handler: handler).SendJsonAsync(Get("/big"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        error.Message.Should().Contain("larger than the 1048576 byte limit");
        body.BytesRead.Should().Be(0, "the declared length alone decides");
        handler.Calls.Should().Be(1, "a body over the cap is not transient");
    }

    [Fact]
    public async Task A_declared_body_over_the_cap_from_the_provider_is_InvalidResponse_and_not_retried()
    {
        var big = new string('a', 2 * 1024 * 1024);
        await WireMock.StubAsync($$"""
            { "request": { "method": "GET", "urlPath": "/big" },
              "response": { "status": 200, "body": "{\"data\":\"{{big}}\"}", "headers": { "Content-Type": "application/json", "Content-Length": "{{big.Length + 11}}" } } }
            """);

        var act = () => Client().SendJsonAsync(Get("/big"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidResponse);
        error.Message.Should().Contain("larger than the 1048576 byte limit");
        (await WireMock.CountAsync("GET", "/big")).Should().Be(1);
    }

    [Theory]
    [InlineData(1024, true)]
    [InlineData(1025, false)]
    public async Task A_chunked_body_is_accepted_up_to_the_cap_and_rejected_one_byte_over(int size, bool accepted)
    {
        // WireMock sends an inline body chunked, without Content-Length: the cap is enforced while reading.
        var json = "{\"d\":\"" + new string('x', size - 8) + "\"}";
        await WireMock.StubAsync($$"""
            { "request": { "method": "GET", "urlPath": "/chunked" },
              "response": { "status": 200, "body": {{System.Text.Json.JsonSerializer.Serialize(json)}}, "headers": { "Content-Type": "application/json" } } }
            """);

        var act = () => Client(o => o.MaxResponseBytes = 1024).SendJsonAsync(Get("/chunked"));

        if (accepted)
        {
            (await act()).GetProperty("d").GetString().Should().HaveLength(size - 8);
        }
        else
        {
            (await act.Should().ThrowAsync<ConnectorException>()).Which.Message.Should().Contain("larger than the 1024 byte limit");
        }

        var received = (await WireMock.GetRequestsAsync()).Should().ContainSingle().Subject;
        received.Path.Should().Be("/chunked");
    }

    [Fact]
    public async Task Connection_reset_is_a_typed_error_after_retries_of_a_safe_call()
    {
        await WireMock.LoadContractAsync("http/get-reset.json");

        var act = () => Client().SendJsonAsync(Get("/reset"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.Message.Should().Contain("TestProvider read failed");
        (await WireMock.CountAsync("GET", "/reset")).Should().Be(3);
    }

    [Fact]
    public async Task Connection_reset_of_an_unsafe_call_is_not_retried()
    {
        await WireMock.LoadContractAsync("http/post-reset.json");

        var act = () => Client().SendJsonAsync(Post("/reset"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Code.Should().Be(ConnectorErrorCode.General);
        (await WireMock.CountAsync("POST", "/reset")).Should().Be(1);
    }

    [Fact]
    public async Task Refused_connection_is_a_typed_error()
    {
        using var refusing = new RefusingPort();

        var act = () => Client().SendJsonAsync(new ProviderRequest("write", HttpMethod.Post, new Uri(refusing.Uri, "/send"), RequestSafety.Unsafe));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.Message.Should().Contain("could not be established");
        Logs.Entries.Count(e => e.EventId.Id == 1002).Should().Be(2, "a refused connection never reached the server, so even an unsafe call may be retried");
    }

    [Fact]
    public async Task Caller_cancellation_stays_an_OperationCanceledException()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        using var cts = new CancellationTokenSource();

        var send = Client().SendJsonAsync(Get("/slow"), cts.Token);
        await WireMock.WaitForCountAsync("GET", "/slow", 1);
        await cts.CancelAsync();

        await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<OperationCanceledException>();
        Logs.Entries.Should().NotContain(e => e.EventId.Id == 1003, "a caller's cancellation is not a provider failure");
    }

    [Fact]
    public async Task Status_429_is_RateLimitExceeded_with_retry_after_and_not_retried()
    {
        await WireMock.LoadContractAsync("http/get-429.json");

        var act = () => Client().SendJsonAsync(Get("/limited"));

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

        var act = () => Client().SendJsonAsync(request);

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

        var act = () => Client().SendJsonAsync(request);

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
    public async Task Requests_failures_and_retries_are_measured_on_the_hosts_meter_with_provider_operation_and_error_type()
    {
        await WireMock.LoadContractAsync("http/get-503-then-200.json");
        await WireMock.LoadContractAsync("http/get-429.json");
        using var services = ConnectorHost.Build(Logs, b => b.Services.AddHttpClient("metered").RemoveAllLoggers());
        var meterFactory = services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var measurements = new System.Collections.Concurrent.ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this service provider's meter: made by its IMeterFactory, not the process-wide fallback.
            if (instrument.Meter.Name == ConnectorsDiagnostics.Name && instrument.Meter.Scope == meterFactory)
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

            measurements.Add((instrument.Name, value, copy));
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        var client = new ProviderHttpClient("MeteredProvider", services.GetRequiredService<IHttpClientFactory>(), "metered",
            new ConnectorHttpOptions { RetryBaseDelay = TimeSpan.Zero }, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new ManualTimeProvider(), meterFactory);

        await client.SendJsonAsync(new ProviderRequest("items", HttpMethod.Get, new Uri(WireMock.BaseUri, "/items"), RequestSafety.Safe));
        await ((Func<Task>)(() => client.SendJsonAsync(new ProviderRequest("limited", HttpMethod.Get, new Uri(WireMock.BaseUri, "/limited"), RequestSafety.Safe))))
            .Should().ThrowAsync<ConnectorException>();

        measurements.Where(m => m.Instrument == "connectors.requests").Select(m => (string?)m.Tags["connectors.operation"]).Should().BeEquivalentTo("items", "limited");
        measurements.Should().ContainSingle(m => m.Instrument == "connectors.retries").Which.Tags["connectors.operation"].Should().Be("items");
        var failure = measurements.Should().ContainSingle(m => m.Instrument == "connectors.failures").Subject;
        failure.Tags["connectors.operation"].Should().Be("limited");
        failure.Tags["error.type"].Should().Be("rate_limit_exceeded");
        measurements.Where(m => m.Instrument == "connectors.requests").Select(m => m.Tags.GetValueOrDefault("error.type")).Should().BeEquivalentTo(new object?[] { null, "rate_limit_exceeded" });
        measurements.Should().OnlyContain(m => (string?)m.Tags["connectors.provider"] == "MeteredProvider");
        measurements.Count(m => m.Instrument == "connectors.request.duration").Should().Be(2);
    }
}

/// <summary>Answers every request with a response it builds, and counts the calls.</summary>
internal sealed class FixedResponseHandler(Func<HttpResponseMessage> respond) : HttpMessageHandler
{
    private int _calls;

    public int Calls => _calls;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return Task.FromResult(respond());
    }
}

/// <summary>A readable stream of zeros of a given length that counts the bytes read from it.</summary>
internal sealed class CountingStream(long length) : Stream
{
    private long _position;

    public long BytesRead => Interlocked.Read(ref _position);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = (int)Math.Min(count, length - _position);
        Array.Clear(buffer, offset, n);
        Interlocked.Add(ref _position, n);
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
