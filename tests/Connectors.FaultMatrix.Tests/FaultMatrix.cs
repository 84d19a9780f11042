namespace Connectors.FaultMatrix.Tests;

/// <summary>A provider misbehaving: the WireMock response of the faulty call, and what the connector must make of it.</summary>
/// <param name="Name">Shown in the test name.</param>
/// <param name="Response">The WireMock <c>response</c> object.</param>
/// <param name="Expected">The documented error code.</param>
/// <param name="Transient">Whether a safe operation retries it (then WireMock sees 1 + retries requests).</param>
public sealed record Fault(string Name, string Response, ConnectorErrorCode Expected, bool Transient)
{
    /// <summary>
    /// Requests .NET's <c>SocketsHttpHandler</c> repeats by itself within one attempt. When a connection closes before
    /// any response byte, it retries a request <em>without a body</em> on a new connection up to 3 times; requests with a
    /// body (the Hugging Face code exchange, the Mailgun send) are never repeated this way.
    /// </summary>
    public int HandlerRetriesOfBodilessRequests { get; init; }

    /// <summary>Whether the fault is an answer slower than the attempt timeout: the only fault a timeout decides.
    /// Every other fault runs with timeouts so long that only the fault itself can decide the outcome.</summary>
    public bool IsDelay { get; init; }

    /// <summary>Whether the client receives a 2xx status line (whatever follows): for an operation whose 2xx is final
    /// (a send), the provider accepted, so the outcome is success.</summary>
    public bool SuccessStatus { get; init; }

    /// <summary>Whether a best-effort detail call treats this answer as a failure (logged and skipped). A 2xx JSON
    /// body without the expected fields is a detail call that simply returned nothing more.</summary>
    public bool FailsDetailCalls { get; init; } = true;

    /// <summary>Whether the response redirects to "another host": its <c>Location</c> holds <see cref="FaultMatrix.Elsewhere"/>,
    /// which the test replaces with a listener that counts connections (and must count none).</summary>
    public bool RedirectsElsewhere => Response.Contains(FaultMatrix.Elsewhere, StringComparison.Ordinal);

    public override string ToString() => Name;
}

/// <summary>One provider operation under test.</summary>
/// <param name="Name">Shown in the test name.</param>
/// <param name="Provider">Which scenario drives it (<see cref="Scenarios"/>).</param>
/// <param name="LogName">The operation name the connector logs and measures, e.g. <c>gettoken</c>.</param>
/// <param name="Method">The HTTP method WireMock matches.</param>
/// <param name="UrlPath">The path WireMock matches and counts.</param>
/// <param name="Safe">Whether it may be retried after reaching the provider.</param>
/// <param name="BestEffort">Whether a failure must leave the sign-in successful (WeCom's detail calls).</param>
/// <param name="SuccessStatusIsFinal">Whether a 2xx means the provider acted (a send), so that it is never reported
/// as a failure, whatever the body.</param>
public sealed record Operation(string Name, string Provider, string LogName, string Method, string UrlPath, bool Safe, bool BestEffort, bool SuccessStatusIsFinal = false)
{
    /// <summary>The event a send logs when it was accepted without a readable message id.</summary>
    public int AcceptedEvent { get; init; } = 3001;

    /// <summary>The event a skipped best-effort detail call logs: WeCom's own, or the HTTP layer's 1004.</summary>
    public int SkippedEvent { get; init; } = 2002;

    public override string ToString() => Name;
}

/// <summary>The matrix: every fault against every provider operation. A new provider adds rows here and a scenario.</summary>
public static class FaultMatrix
{
    /// <summary>Retries of safe operations.</summary>
    public const int Retries = 2;

    /// <summary>
    /// Timeouts for every fault but the delay: far longer than any fault takes to show on a loaded 2-core machine, so
    /// the outcome, the request count and the retries are the fault's and never a timeout's.
    /// </summary>
    public static readonly (TimeSpan Attempt, TimeSpan Overall) FaultTimeouts = (TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30));

    /// <summary>
    /// Timeouts for the delay fault: a short attempt against a response held <see cref="Delay"/>, twenty times as
    /// long. The overall timeout is long enough never to cut the retries short.
    /// </summary>
    public static readonly (TimeSpan Attempt, TimeSpan Overall) DelayTimeouts = (TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));

    /// <summary>How long WireMock holds the delayed response. A call that did not end by its attempt timeouts would
    /// take at least this long, so it is also the time bound of the delay cells.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(10);

    /// <summary>The response size cap in the matrix: the default.</summary>
    public static readonly int MaxResponseBytes = new ConnectorHttpOptions().MaxResponseBytes;

    public static readonly Operation[] Operations =
    [
        new("WeCom gettoken", "wecom", "gettoken", "GET", "/cgi-bin/gettoken", Safe: true, BestEffort: false),
        new("WeCom getuserinfo", "wecom", "getuserinfo", "GET", "/cgi-bin/auth/getuserinfo", Safe: true, BestEffort: false),
        new("WeCom user/get", "wecom", "user/get", "GET", "/cgi-bin/user/get", Safe: true, BestEffort: true),
        new("WeCom getuserdetail", "wecom", "getuserdetail", "POST", "/cgi-bin/auth/getuserdetail", Safe: true, BestEffort: true),
        new("Hugging Face token", "huggingface", "token", "POST", "/oauth/token", Safe: false, BestEffort: false),
        new("Hugging Face userinfo", "huggingface", "userinfo", "GET", "/oauth/userinfo", Safe: true, BestEffort: false),
        new("Mailgun send", "mailgun", "send", "POST", "/v3/example.com/messages", Safe: false, BestEffort: false, SuccessStatusIsFinal: true),
        new("SendGrid send", "sendgrid", "send", "POST", "/v3/mail/send", Safe: false, BestEffort: false, SuccessStatusIsFinal: true) { AcceptedEvent = 7001 },
        new("GitHub token", "github", "token", "POST", "/login/oauth/access_token", Safe: false, BestEffort: false),
        new("GitHub user", "github", "userinfo", "GET", "/api/v3/user", Safe: true, BestEffort: false),
        new("GitHub emails", "github", "emails", "GET", "/api/v3/user/emails", Safe: true, BestEffort: true) { SkippedEvent = 1004 },
    ];

    private static readonly string FiveMegabytes = "{\"data\":\"" + new string('x', 5 * 1024 * 1024) + "\"}";

    // One byte over the cap: a JSON string value padded so that the whole body is MaxResponseBytes + 1 bytes.
    private static readonly string JustOverTheCap = "{\"data\":\"" + new string('x', MaxResponseBytes + 1 - 11) + "\"}";

    /// <summary>The placeholder of another host's address in a fault's response.</summary>
    public const string Elsewhere = "{elsewhere}";

    public static readonly Fault[] Faults =
    [
        new("307 to another host", $$"""{ "status": 307, "headers": { "Location": "{{Elsewhere}}steal" } }""", ConnectorErrorCode.General, Transient: false),
        new("302 to another host", $$"""{ "status": 302, "headers": { "Location": "{{Elsewhere}}steal" }, "body": "Found" }""", ConnectorErrorCode.General, Transient: false),
        new("delay past the attempt timeout", $$"""{ "status": 200, "fixedDelayMilliseconds": {{(int)Delay.TotalMilliseconds}}, "jsonBody": { "errcode": 0 } }""", ConnectorErrorCode.General, Transient: true) { IsDelay = true },
        new("CONNECTION_RESET_BY_PEER", """{ "fault": "CONNECTION_RESET_BY_PEER" }""", ConnectorErrorCode.General, Transient: true),
        new("EMPTY_RESPONSE", """{ "fault": "EMPTY_RESPONSE" }""", ConnectorErrorCode.General, Transient: true) { HandlerRetriesOfBodilessRequests = 3 },
        new("MALFORMED_RESPONSE_CHUNK", """{ "fault": "MALFORMED_RESPONSE_CHUNK" }""", ConnectorErrorCode.General, Transient: true) { SuccessStatus = true },
        new("RANDOM_DATA_THEN_CLOSE", """{ "fault": "RANDOM_DATA_THEN_CLOSE" }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 500", """{ "status": 500, "body": "{}", "headers": { "Content-Type": "application/json" } }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 502", """{ "status": 502, "body": "<html>Bad Gateway</html>", "headers": { "Content-Type": "text/html" } }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 503", """{ "status": 503, "body": "Service Unavailable", "headers": { "Content-Type": "text/plain" } }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 429", """{ "status": 429, "body": "{}", "headers": { "Content-Type": "application/json", "Retry-After": "30" } }""", ConnectorErrorCode.RateLimitExceeded, Transient: false),
        new("HTML page with 200", """{ "status": 200, "body": "<!DOCTYPE html><html><body>Login</body></html>", "headers": { "Content-Type": "text/html" } }""", ConnectorErrorCode.InvalidResponse, Transient: false) { SuccessStatus = true },
        new("2xx with a non-JSON body", """{ "status": 200, "body": "OK", "headers": { "Content-Type": "text/plain" } }""", ConnectorErrorCode.InvalidResponse, Transient: false) { SuccessStatus = true },
        new("2xx with JSON lacking the expected id", """{ "status": 200, "jsonBody": { "message": "Queued. Thank you." } }""", ConnectorErrorCode.InvalidResponse, Transient: false) { SuccessStatus = true, FailsDetailCalls = false },
        new("truncated JSON", """{ "status": 200, "body": "{\"errcode\":0,\"access_token\":\"abc", "headers": { "Content-Type": "application/json" } }""", ConnectorErrorCode.InvalidResponse, Transient: false) { SuccessStatus = true },
        // WireMock sends an inline body chunked unless the stub sets Content-Length: this one declares its size, so
        // the cap rejects it from the header.
        new("5 MB body with Content-Length", $$"""{ "status": 200, "body": {{System.Text.Json.JsonSerializer.Serialize(FiveMegabytes)}}, "headers": { "Content-Type": "application/json", "Content-Length": "{{FiveMegabytes.Length}}" } }""", ConnectorErrorCode.InvalidResponse, Transient: false) { SuccessStatus = true },
        new("chunked body one byte over the cap", $$"""{ "status": 200, "body": {{System.Text.Json.JsonSerializer.Serialize(JustOverTheCap)}}, "headers": { "Content-Type": "application/json" } }""", ConnectorErrorCode.InvalidResponse, Transient: false) { SuccessStatus = true },
    ];

    public static IEnumerable<object[]> Cells() =>
        from operation in Operations
        from fault in Faults
        select new object[] { operation, fault };
}
