namespace Connectors.Abstractions;

/// <summary>A connector failure with a code a host can act on.</summary>
/// <remarks>
/// The message says what went wrong and what to check. It never contains a secret, access token, authorization code,
/// verification code, user ticket or email body.
/// </remarks>
public sealed class ConnectorException : Exception
{
    /// <summary>Creates a connector exception.</summary>
    /// <param name="code">The error code.</param>
    /// <param name="message">A message free of secrets.</param>
    /// <param name="innerException">The cause, when it carries no secret.</param>
    public ConnectorException(ConnectorErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The error code.</summary>
    public ConnectorErrorCode Code { get; }

    /// <summary>The Logto wire string of <see cref="Code"/>.</summary>
    public string WireCode => Code.ToWireString();

    /// <summary>The provider (e.g. <c>WeCom</c>), when the failure came from a provider call.</summary>
    public string? Provider { get; init; }

    /// <summary>The provider operation (e.g. <c>gettoken</c>), when known.</summary>
    public string? Operation { get; init; }

    /// <summary>The provider's own error code (e.g. WeCom's <c>errcode</c>, OAuth's <c>error</c>), when known.</summary>
    public string? ProviderErrorCode { get; init; }

    /// <summary>The provider's HTTP status, when a response was received.</summary>
    public int? HttpStatusCode { get; init; }

    /// <summary>How long the provider asks to wait before trying again, when it says.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>
    /// Whether the provider may have acted although the call failed: a request that is not safe to repeat (a send, a
    /// code exchange) timed out or lost its connection after it was sent. For a send this means "maybe sent": never
    /// send again on this error; <see cref="VerificationCodeService"/> counts it against the cooldown and caps.
    /// </summary>
    public bool OutcomeUnknown { get; init; }

    /// <summary>Every config problem, for <see cref="ConnectorErrorCode.InvalidConfig"/> raised by validation.</summary>
    public IReadOnlyList<ConfigError> ConfigErrors { get; init; } = [];
}
