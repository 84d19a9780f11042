namespace Connectors.Abstractions;

/// <summary>The error codes of Logto's connector kit.</summary>
public enum ConnectorErrorCode
{
    /// <summary><c>general</c>: any other failure (provider 5xx, timeouts, unreachable provider, unknown provider errors).</summary>
    General,

    /// <summary><c>invalid_metadata</c>.</summary>
    InvalidMetadata,

    /// <summary><c>unexpected_type</c>.</summary>
    UnexpectedType,

    /// <summary><c>invalid_config_guard</c>.</summary>
    InvalidConfigGuard,

    /// <summary><c>invalid_request_parameters</c>: the caller's input cannot be sent to the provider.</summary>
    InvalidRequestParameters,

    /// <summary><c>insufficient_request_parameters</c>.</summary>
    InsufficientRequestParameters,

    /// <summary><c>invalid_config</c>: the connector config is wrong, or the provider rejected its credentials.</summary>
    InvalidConfig,

    /// <summary><c>invalid_certificate</c>.</summary>
    InvalidCertificate,

    /// <summary><c>invalid_response</c>: the provider answered with something that is not what its API promises.</summary>
    InvalidResponse,

    /// <summary><c>template_not_found</c>: no template for the usage type.</summary>
    TemplateNotFound,

    /// <summary><c>template_not_supported</c> (deprecated by Logto).</summary>
    TemplateNotSupported,

    /// <summary><c>rate_limit_exceeded</c>: the provider throttled the request.</summary>
    RateLimitExceeded,

    /// <summary><c>usage_limit_exceeded</c>.</summary>
    UsageLimitExceeded,

    /// <summary><c>not_implemented</c>.</summary>
    NotImplemented,

    /// <summary><c>social_auth_code_invalid</c>: the authorization code is invalid, used or expired.</summary>
    SocialAuthCodeInvalid,

    /// <summary><c>social_invalid_access_token</c>: the provider rejected the access token.</summary>
    SocialAccessTokenInvalid,

    /// <summary><c>social_invalid_id_token</c>.</summary>
    SocialIdTokenInvalid,

    /// <summary><c>authorization_failed</c>: the user did not authorize, or the callback carries no code.</summary>
    AuthorizationFailed,
}

/// <summary>Conversions of <see cref="ConnectorErrorCode"/>.</summary>
public static class ConnectorErrorCodeExtensions
{
    /// <summary>The Logto wire string, e.g. <c>social_invalid_access_token</c>.</summary>
    public static string ToWireString(this ConnectorErrorCode code) => code switch
    {
        ConnectorErrorCode.General => "general",
        ConnectorErrorCode.InvalidMetadata => "invalid_metadata",
        ConnectorErrorCode.UnexpectedType => "unexpected_type",
        ConnectorErrorCode.InvalidConfigGuard => "invalid_config_guard",
        ConnectorErrorCode.InvalidRequestParameters => "invalid_request_parameters",
        ConnectorErrorCode.InsufficientRequestParameters => "insufficient_request_parameters",
        ConnectorErrorCode.InvalidConfig => "invalid_config",
        ConnectorErrorCode.InvalidCertificate => "invalid_certificate",
        ConnectorErrorCode.InvalidResponse => "invalid_response",
        ConnectorErrorCode.TemplateNotFound => "template_not_found",
        ConnectorErrorCode.TemplateNotSupported => "template_not_supported",
        ConnectorErrorCode.RateLimitExceeded => "rate_limit_exceeded",
        ConnectorErrorCode.UsageLimitExceeded => "usage_limit_exceeded",
        ConnectorErrorCode.NotImplemented => "not_implemented",
        ConnectorErrorCode.SocialAuthCodeInvalid => "social_auth_code_invalid",
        ConnectorErrorCode.SocialAccessTokenInvalid => "social_invalid_access_token",
        ConnectorErrorCode.SocialIdTokenInvalid => "social_invalid_id_token",
        ConnectorErrorCode.AuthorizationFailed => "authorization_failed",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "Unknown connector error code."),
    };

    /// <summary>The HTTP status a host's own endpoint should answer with for this failure: 400 for input the caller
    /// can correct, 401 for a sign-in the provider refused, 429 for a limit (see
    /// <see cref="ConnectorException.RetryAfter"/>), 503 for a provider that failed, is unreachable or answered
    /// nonsense (not the caller's fault; they may try again), 500 for the host's own configuration or code. Logto's
    /// server answers 400 for most of these: <see cref="ToHttpStatusCode"/>.</summary>
    public static int ToResponseStatusCode(this ConnectorErrorCode code) => code switch
    {
        ConnectorErrorCode.InvalidRequestParameters or ConnectorErrorCode.InsufficientRequestParameters => 400,
        ConnectorErrorCode.SocialAuthCodeInvalid or ConnectorErrorCode.SocialAccessTokenInvalid
            or ConnectorErrorCode.SocialIdTokenInvalid or ConnectorErrorCode.AuthorizationFailed => 401,
        ConnectorErrorCode.RateLimitExceeded or ConnectorErrorCode.UsageLimitExceeded => 429,
        ConnectorErrorCode.General or ConnectorErrorCode.InvalidResponse => 503,
        _ => 500,
    };

    /// <summary>The HTTP status Logto's server answers with for this code (400, 401, 429 or 501).</summary>
    public static int ToHttpStatusCode(this ConnectorErrorCode code) => code switch
    {
        ConnectorErrorCode.SocialAuthCodeInvalid or ConnectorErrorCode.SocialAccessTokenInvalid
            or ConnectorErrorCode.SocialIdTokenInvalid or ConnectorErrorCode.AuthorizationFailed => 401,
        ConnectorErrorCode.RateLimitExceeded or ConnectorErrorCode.UsageLimitExceeded => 429,
        ConnectorErrorCode.NotImplemented => 501,
        _ => 400,
    };
}
