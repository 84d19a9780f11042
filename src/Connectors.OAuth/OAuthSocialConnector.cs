using System.Globalization;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connectors.OAuth;

/// <summary>
/// The base of a social connector on <see cref="OAuthFlow"/>: the authorization URL and the callback come from the
/// flow; a provider says how its profile becomes a <see cref="SocialUserInfo"/> (<see cref="MapUserAsync"/>). The
/// whole sign-in is bounded by <see cref="ConnectorHttpOptions.TotalTimeout"/>.
/// </summary>
public abstract class OAuthSocialConnector : ISocialConnector
{
    /// <summary>Creates the connector on <paramref name="flow"/>; it logs to <paramref name="logger"/> (nowhere when null).</summary>
    protected OAuthSocialConnector(OAuthFlow flow, ILogger? logger = null)
    {
        Flow = flow ?? throw new ArgumentNullException(nameof(flow));
        Logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The flow.</summary>
    protected OAuthFlow Flow { get; }

    /// <summary>Where the connector logs what the provider's own events say (event ids: see the README's
    /// "Write your own connector").</summary>
    protected ILogger Logger { get; }

    /// <inheritdoc/>
    public abstract ConnectorMetadata Metadata { get; }

    /// <inheritdoc/>
    /// <remarks><see cref="OAuthFlow.AuthorizeAsync"/>: PKCE and nonce as configured; keep the returned session, protected, until the callback.</remarks>
    public ValueTask<AuthorizationRedirect> GetAuthorizationUriAsync(AuthorizationRequest request, CancellationToken cancellationToken = default) =>
        Flow.AuthorizeAsync(request, cancellationToken);

    /// <inheritdoc/>
    /// <exception cref="ConnectorException">As <see cref="OAuthFlow.CompleteAsync"/> and the provider's mapping;
    /// <see cref="ConnectorErrorCode.General"/> when the sign-in takes longer than its total timeout.</exception>
    public async Task<SocialUserInfo> GetUserInfoAsync(SocialCallback callback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var http = Flow.Http;
        using var budget = new OperationBudget(http.Options.TotalTimeout, http.TimeProvider, cancellationToken);
        try
        {
            var signIn = await Flow.CompleteAsync(callback, budget.Token).ConfigureAwait(false);
            return await MapUserAsync(signIn, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsExhausted)
        {
            throw http.Reject(
                "sign-in",
                ConnectorErrorCode.General,
                string.Create(CultureInfo.InvariantCulture, $"The {http.Provider} sign-in did not complete within {budget.Limit.TotalSeconds:0.###} s (ConnectorHttpOptions.TotalTimeout). Check that {http.Provider} is reachable from this server."));
        }
    }

    /// <summary>The signed-in user from the checked token response: from <see cref="OAuthSignIn.IdTokenClaims"/>, or
    /// from <see cref="OAuthFlow.GetUserInfoAsync"/>. Set <see cref="SocialUserInfo.Tokens"/> to <see cref="OAuthSignIn.Tokens"/>.</summary>
    protected abstract Task<SocialUserInfo> MapUserAsync(OAuthSignIn signIn, CancellationToken cancellationToken);
}
