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

    /// <summary>How long WireMock needs to finish a delayed response: it journals a request only when it has answered.</summary>
    public TimeSpan Settle { get; init; }

    public override string ToString() => Name;
}

/// <summary>One provider operation under test.</summary>
/// <param name="Name">Shown in the test name.</param>
/// <param name="Provider">Which scenario drives it (<see cref="Scenarios"/>).</param>
/// <param name="Method">The HTTP method WireMock matches.</param>
/// <param name="UrlPath">The path WireMock matches and counts.</param>
/// <param name="Safe">Whether it may be retried after reaching the provider.</param>
/// <param name="BestEffort">Whether a failure must leave the sign-in successful (WeCom's detail calls).</param>
public sealed record Operation(string Name, string Provider, string Method, string UrlPath, bool Safe, bool BestEffort)
{
    public override string ToString() => Name;
}

/// <summary>The matrix: every fault against every provider operation. A new provider adds rows here and a scenario.</summary>
public static class FaultMatrix
{
    /// <summary>Per-attempt timeout in the matrix; the delay fault waits longer than this.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>Overall timeout in the matrix.</summary>
    public static readonly TimeSpan OverallTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Retries of safe operations.</summary>
    public const int Retries = 2;

    public static readonly Operation[] Operations =
    [
        new("WeCom gettoken", "wecom", "GET", "/cgi-bin/gettoken", Safe: true, BestEffort: false),
        new("WeCom getuserinfo", "wecom", "GET", "/cgi-bin/auth/getuserinfo", Safe: true, BestEffort: false),
        new("WeCom user/get", "wecom", "GET", "/cgi-bin/user/get", Safe: true, BestEffort: true),
        new("WeCom getuserdetail", "wecom", "POST", "/cgi-bin/auth/getuserdetail", Safe: true, BestEffort: true),
        new("Hugging Face token", "huggingface", "POST", "/oauth/token", Safe: false, BestEffort: false),
        new("Hugging Face userinfo", "huggingface", "GET", "/oauth/userinfo", Safe: true, BestEffort: false),
        new("Mailgun send", "mailgun", "POST", "/v3/example.com/messages", Safe: false, BestEffort: false),
    ];

    private static readonly string FiveMegabytes = "{\"data\":\"" + new string('x', 5 * 1024 * 1024) + "\"}";

    public static readonly Fault[] Faults =
    [
        new("delay past the attempt timeout", """{ "status": 200, "fixedDelayMilliseconds": 1500, "jsonBody": { "errcode": 0 } }""", ConnectorErrorCode.General, Transient: true) { Settle = TimeSpan.FromMilliseconds(1700) },
        new("CONNECTION_RESET_BY_PEER", """{ "fault": "CONNECTION_RESET_BY_PEER" }""", ConnectorErrorCode.General, Transient: true),
        new("EMPTY_RESPONSE", """{ "fault": "EMPTY_RESPONSE" }""", ConnectorErrorCode.General, Transient: true) { HandlerRetriesOfBodilessRequests = 3 },
        new("MALFORMED_RESPONSE_CHUNK", """{ "fault": "MALFORMED_RESPONSE_CHUNK" }""", ConnectorErrorCode.General, Transient: true),
        new("RANDOM_DATA_THEN_CLOSE", """{ "fault": "RANDOM_DATA_THEN_CLOSE" }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 500", """{ "status": 500, "body": "{}", "headers": { "Content-Type": "application/json" } }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 502", """{ "status": 502, "body": "<html>Bad Gateway</html>", "headers": { "Content-Type": "text/html" } }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 503", """{ "status": 503, "body": "Service Unavailable", "headers": { "Content-Type": "text/plain" } }""", ConnectorErrorCode.General, Transient: true),
        new("HTTP 429", """{ "status": 429, "body": "{}", "headers": { "Content-Type": "application/json", "Retry-After": "30" } }""", ConnectorErrorCode.RateLimitExceeded, Transient: false),
        new("HTML page with 200", """{ "status": 200, "body": "<!DOCTYPE html><html><body>Login</body></html>", "headers": { "Content-Type": "text/html" } }""", ConnectorErrorCode.InvalidResponse, Transient: false),
        new("truncated JSON", """{ "status": 200, "body": "{\"errcode\":0,\"access_token\":\"abc", "headers": { "Content-Type": "application/json" } }""", ConnectorErrorCode.InvalidResponse, Transient: false),
        new("5 MB body", $$"""{ "status": 200, "body": {{System.Text.Json.JsonSerializer.Serialize(FiveMegabytes)}}, "headers": { "Content-Type": "application/json" } }""", ConnectorErrorCode.InvalidResponse, Transient: false),
    ];

    public static IEnumerable<object[]> Cells() =>
        from operation in Operations
        from fault in Faults
        select new object[] { operation, fault };
}
