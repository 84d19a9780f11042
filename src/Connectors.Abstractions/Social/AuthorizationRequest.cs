namespace Connectors.Abstractions;

/// <summary>What the host asks for when it starts a social sign-in.</summary>
/// <param name="State">The anti-forgery state; it comes back on the callback, and the host must compare it.</param>
/// <param name="RedirectUri">The callback URL the provider redirects the browser to.</param>
public sealed record AuthorizationRequest(string State, Uri RedirectUri)
{
    /// <summary>A scope for this request only; overrides the configured scope when not null.</summary>
    public string? Scope { get; init; }

    /// <summary>The end user's browser <c>User-Agent</c>; some providers (WeCom) choose their flow from it.</summary>
    public string? UserAgent { get; init; }
}

/// <summary>Where to send the browser, and what the host must keep until the callback.</summary>
/// <param name="Uri">The provider URL to redirect the browser to.</param>
/// <param name="Session">Values the host stores (for example in a protected cookie) and passes back in <see cref="SocialCallback.Session"/>.</param>
public sealed record AuthorizationRedirect(Uri Uri, IReadOnlyDictionary<string, string> Session)
{
    /// <summary>
    /// Whether the provider answers with a form the browser posts to the callback (<c>response_mode=form_post</c>).
    /// Such a POST comes from another site, so a host must keep the sign-in's state in a cookie browsers send with
    /// it (<c>SameSite=None; Secure</c>), not a <c>SameSite=Lax</c> one.
    /// </summary>
    public bool ResponseIsPosted { get; init; }
}

/// <summary>Well-known keys of <see cref="AuthorizationRedirect.Session"/>.</summary>
public static class SessionKeys
{
    /// <summary>The redirect URI used for the authorization request.</summary>
    public const string RedirectUri = "redirectUri";

    /// <summary>The PKCE code verifier.</summary>
    public const string CodeVerifier = "codeVerifier";

    /// <summary>The OpenID Connect nonce.</summary>
    public const string Nonce = "nonce";
}
