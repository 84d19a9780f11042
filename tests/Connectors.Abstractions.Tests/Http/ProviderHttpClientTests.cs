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
    /// <param name="connectorClient">Whether "test" is registered as a connector client (no redirects followed).</param>
    /// <param name="trusted">Makes it a public-addresses-only client trusting these hosts and ports.</param>
    private ProviderHttpClient Client(Action<ConnectorHttpOptions>? configure = null, TimeProvider? time = null, HttpMessageHandler? handler = null, bool connectorClient = false, Func<System.Net.DnsEndPoint, bool>? trusted = null)
    {
        var options = new ConnectorHttpOptions { RetryBaseDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        _services?.Dispose();
        _services = ConnectorHost.Build(Logs, b =>
        {
            var client = b.Services.AddHttpClient("test").RemoveAllLoggers();
            if (handler is not null)
            {
                client.ConfigurePrimaryHttpMessageHandler(() => handler);
            }

            if (connectorClient)
            {
                b.ConnectToPublicAddressesOnly("test", _ => trusted ?? (_ => true));
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
        Logs.Entries.Should().Contain(e => e.Id.Id == 1002 && e.Message.Contains("HTTP 503", StringComparison.Ordinal));
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
        Logs.Entries.Count(e => e.Id.Id == 1002).Should().Be(1);
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

        var error = (await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which;
        error.Message.Should().Contain("timed out");
        error.OutcomeUnknown.Should().BeTrue("the provider got the request and may have acted on it");
        (await WireMock.CountAsync("POST", "/send")).Should().Be(1);
        Logs.Entries.Should().NotContain(e => e.Id.Id == 1002);
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
    public async Task A_retry_delay_ends_at_the_overall_deadline_and_no_attempt_begins_after_it()
    {
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/busy" }, "response": { "status": 503 } }""");
        var time = new ManualTimeProvider();
        var client = Client(o =>
        {
            o.OverallTimeout = Long;
            o.RetryBaseDelay = TimeSpan.FromHours(1); // far past the deadline
            o.MaxRetryAttempts = 2;
        }, time);

        var send = client.SendJsonAsync(Get("/busy"));
        await WireMock.WaitForCountAsync("GET", "/busy", 1);
        for (var i = 0; i < 3000 && !(Logs.Entries.Any(e => e.Id.Id == 1002) && time.PendingTimers == 1); i++)
        {
            await Task.Delay(10); // until the retry is scheduled and its delay armed (the attempt's timer is gone)
        }

        time.Advance(Long);

        var error = (await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which;
        error.Message.Should().Contain("timed out").And.Contain("the operation 600 s");
        (await WireMock.CountAsync("GET", "/busy")).Should().Be(1, "the retry would have begun after the deadline");
        Logs.Entries.Count(e => e.Id.Id == 1002).Should().Be(1, "one retry was scheduled");
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

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.Code.Should().Be(ConnectorErrorCode.General);
        error.OutcomeUnknown.Should().BeTrue("the connection broke after the request was written");
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
        error.OutcomeUnknown.Should().BeFalse("a refused connection never reached the server");
        Logs.Entries.Count(e => e.Id.Id == 1002).Should().Be(2, "a refused connection never reached the server, so even an unsafe call may be retried");
    }

    [Fact]
    public async Task A_timed_out_safe_call_has_no_unknown_outcome()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        var time = new ManualTimeProvider();
        var client = Client(o =>
        {
            o.AttemptTimeout = Long;
            o.MaxRetryAttempts = 0;
        }, time);

        var send = client.SendJsonAsync(Get("/slow"));
        await WireMock.WaitForCountAsync("GET", "/slow", 1);
        time.Advance(Long);

        (await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<ConnectorException>()).Which.OutcomeUnknown.Should().BeFalse();
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task A_redirect_to_another_host_is_an_error_naming_its_status_and_is_never_followed_by_a_connector_client(int status)
    {
        using var elsewhere = new ConnectionCounter();
        await WireMock.StubAsync($$"""{ "request": { "method": "POST", "urlPath": "/send" }, "response": { "status": {{status}}, "headers": { "Location": "{{elsewhere.BaseUri}}steal" }, "body": "moved to {{elsewhere.BaseUri}}" } }""");

        var act = () => Client(connectorClient: true).SendAsync(Post("/send"));

        var error = (await act.Should().ThrowAsync<ConnectorException>()).Which;
        error.HttpStatusCode.Should().Be(status);
        error.Message.Should().Be($"TestProvider write answered with a redirect (HTTP {status}), which is never followed; check the endpoint address.");
        (await WireMock.CountAsync("POST", "/send")).Should().Be(1);
        elsewhere.Connections.Should().Be(0);
    }

    [Fact]
    public async Task A_redirect_followed_by_a_handler_the_host_added_is_still_an_error()
    {
        using var elsewhere = new ConnectionCounter();
        await WireMock.StubAsync($$"""{ "request": { "method": "GET", "urlPath": "/items" }, "response": { "status": 302, "headers": { "Location": "{{WireMock.BaseUri}}other" } } }""");
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/other" }, "response": { "status": 200, "jsonBody": { "id": "not the provider's answer" } } }""");

        // A plain named client (not registered by a connector) follows redirects, as a host's own handler might.
        var act = () => Client().SendJsonAsync(Get("/items"));

        (await act.Should().ThrowAsync<ConnectorException>()).Which.Message.Should().Contain("was redirected to another address");
    }

    [Fact]
    public async Task A_client_for_public_addresses_only_refuses_loopback_with_one_message_whether_or_not_anything_listens()
    {
        using var closed = new RefusingPort();
        var messages = new List<string>();
        foreach (var target in new[] { WireMock.BaseUri, closed.Uri })
        {
            var client = Client(connectorClient: true, trusted: _ => false);

            var error = (await client.Awaiting(c => c.SendJsonAsync(new ProviderRequest("read", HttpMethod.Get, new Uri(target, "/items"), RequestSafety.Safe))).Should().ThrowAsync<ConnectorException>()).Which;

            error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
            messages.Add(error.Message);
        }

        messages[0].Should().Be("TestProvider read was not sent: 127.0.0.1 resolves to a loopback, private, link-local or otherwise non-public address. A config may name public addresses only; a host application that means to reach this one lists its origin as allowed.");
        messages[1].Should().Be(messages[0], "the text must not tell an open port from a closed one");
        (await WireMock.CountAsync("GET", "/items")).Should().Be(0);
        Logs.Entries.Should().NotContain(e => e.Id.Id == 1002, "a refused address is not retried");
    }

    [Fact]
    public async Task A_client_for_public_addresses_only_connects_to_a_trusted_host()
    {
        await WireMock.LoadContractAsync("http/get-503-then-200.json");

        var json = await Client(connectorClient: true, trusted: e => e.Port == WireMock.BaseUri.Port).SendJsonAsync(Get("/items"));

        json.GetProperty("id").GetString().Should().Be("42");
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("172.32.0.1", true)]
    [InlineData("192.168.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("8.8.8.8", true)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("fd12:3456::1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("2606:4700::1111", true)]
    public void Public_addresses_are_told_from_the_others(string address, bool isPublic) =>
        ProviderNetwork.IsPublic(System.Net.IPAddress.Parse(address)).Should().Be(isPublic);

    [Fact]
    public async Task Caller_cancellation_stays_an_OperationCanceledException()
    {
        await WireMock.LoadContractAsync("http/get-slow.json");
        using var cts = new CancellationTokenSource();

        var send = Client().SendJsonAsync(Get("/slow"), cts.Token);
        await WireMock.WaitForCountAsync("GET", "/slow", 1);
        await cts.CancelAsync();

        await send.WaitAsync(TimeSpan.FromSeconds(60)).Awaiting(s => s).Should().ThrowAsync<OperationCanceledException>();
        Logs.Entries.Should().NotContain(e => e.Id.Id == 1003, "a caller's cancellation is not a provider failure");
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
