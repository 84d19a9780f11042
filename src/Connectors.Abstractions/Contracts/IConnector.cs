namespace Connectors.Abstractions;

/// <summary>A connector: a provider integration created from one stored config.</summary>
public interface IConnector
{
    /// <summary>What the connector is and how its config form looks.</summary>
    ConnectorMetadata Metadata { get; }
}

/// <summary>A social sign-in connector: builds the provider's authorization URL and turns the callback into a user.</summary>
/// <remarks>
/// Connectors are stateless. Whatever must survive between the redirect and the callback (redirect URI, PKCE
/// verifier, nonce) is returned in <see cref="AuthorizationRedirect.Session"/> for the host to keep, and handed back
/// in <see cref="SocialCallback.Session"/>.
/// </remarks>
public interface ISocialConnector : IConnector
{
    /// <summary>Builds the URL to send the end user's browser to.</summary>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> when the request cannot be honoured by the provider
    /// (for example a state the provider does not accept).
    /// </exception>
    ValueTask<AuthorizationRedirect> GetAuthorizationUriAsync(AuthorizationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Exchanges the provider's callback for the signed-in user's profile.</summary>
    /// <exception cref="ConnectorException">Every provider or protocol failure, with a <see cref="ConnectorErrorCode"/>.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    Task<SocialUserInfo> GetUserInfoAsync(SocialCallback callback, CancellationToken cancellationToken = default);
}

/// <summary>An email connector: sends a verification code or link for a usage type.</summary>
public interface IEmailConnector : IConnector
{
    /// <summary>Sends one message.</summary>
    /// <remarks>Once the provider has accepted the message (a 2xx), this returns a result, whatever else goes wrong
    /// with the answer: a host that retries on error must never send a code twice.</remarks>
    /// <exception cref="ConnectorException">Every provider or validation failure, with a <see cref="ConnectorErrorCode"/>.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default);
}

/// <summary>
/// A connector that can check, without any effect on users, that its provider accepts its config: what a health
/// check asks beyond config validation. WeCom proves its corpId and secret by holding an app access token.
/// </summary>
public interface IConnectorProbe : IConnector
{
    /// <summary>Completes when the provider accepted the config; bounded by the provider's HTTP timeouts.</summary>
    /// <exception cref="ConnectorException">The provider refused the config (<see cref="ConnectorErrorCode.InvalidConfig"/>)
    /// or could not be reached or understood, with a secret-free message.</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    Task ProbeAsync(CancellationToken cancellationToken = default);
}
