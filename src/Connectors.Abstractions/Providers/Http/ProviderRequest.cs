using System.Net.Http.Headers;

namespace Connectors.Abstractions.Providers;

/// <summary>One provider operation for <see cref="ProviderHttpClient"/>.</summary>
/// <param name="Operation">A short name used in messages, logs and metrics, e.g. <c>gettoken</c>. Never a URL.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Uri">The absolute request URI. It is never logged, because queries can carry tokens.</param>
/// <param name="Safety">Whether the operation may be retried after the request may have reached the provider.</param>
public sealed record ProviderRequest(string Operation, HttpMethod Method, Uri Uri, RequestSafety Safety)
{
    /// <summary>Creates the body for each attempt (content cannot be reused across attempts).</summary>
    public Func<HttpContent>? Content { get; init; }

    /// <summary>The <c>Authorization</c> header.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }

    /// <summary>Further request headers, e.g. <c>Accept</c>. Never logged.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>
    /// The secret values this request carries (client secret, API key, authorization code, access token, verification
    /// code). A provider that echoes one in its error text never gets it into an exception message or a log line: every
    /// failure of this request has them replaced by <c>***</c>.
    /// </summary>
    public IReadOnlyList<string>? Secrets { get; init; }

    /// <summary>
    /// Whether a 2xx status alone means the operation succeeded, whatever the body: unreadable, cut off, over the size
    /// cap or not JSON. For operations the provider performs on a 2xx (sending an email): once it has accepted, the
    /// caller must never see a failure, or it might do it again. <see cref="ProviderResponse.BodyProblem"/> then says
    /// what was wrong with the body. Default false.
    /// </summary>
    public bool AcceptAnySuccessBody { get; init; }

    /// <summary>
    /// Whether the caller goes on without this operation when it fails (a profile detail the sign-in can do without):
    /// a failure is still measured in <c>connectors.requests</c> with its <c>error.type</c>, but it is logged at
    /// Information (event 1004) and not counted in <c>connectors.failures</c>, so that a provider that never grants the
    /// detail does not raise an alarm on every sign-in. The <see cref="ConnectorException"/> is still thrown, for the
    /// caller to catch. Default false.
    /// </summary>
    public bool BestEffort { get; init; }

    /// <summary>
    /// The provider's reading of a response, called for every response. Return a failure to reject it (a provider
    /// error code in a 200 body, an OAuth error in a 400 body), or null to accept a 2xx response and to apply the
    /// default mapping to any other status.
    /// </summary>
    public Func<ProviderResponse, ProviderFailure?>? Inspect { get; init; }
}

/// <summary>What went wrong with a provider response, as the provider code reads it.</summary>
/// <param name="Code">The connector error code.</param>
/// <param name="Message">What went wrong and what to check; never a secret.</param>
public sealed record ProviderFailure(ConnectorErrorCode Code, string Message)
{
    /// <summary>The provider's own error code.</summary>
    public string? ProviderErrorCode { get; init; }

    /// <summary>How long the provider asks to wait.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether trying again may succeed; such failures are retried for <see cref="RequestSafety.Safe"/> operations.</summary>
    public bool IsTransient { get; init; }
}
