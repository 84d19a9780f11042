using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>The signed-in user as the provider describes them.</summary>
/// <param name="Id">The provider's stable user id, unique within <see cref="Tenant"/>.</param>
public sealed record SocialUserInfo(string Id)
{
    /// <summary>What <see cref="Id"/> is unique within: the WeCom corp id, the OpenID Connect issuer, the OAuth 2.0
    /// userinfo endpoint. A WeCom <c>userid</c> names one member of one corp only, and a <c>sub</c> one user of one
    /// issuer only: a host serving several corps or issuers under one scheme keys accounts by
    /// <see cref="ProviderKey"/>, never by <see cref="Id"/> alone. Null when the connector does not know it.</summary>
    public string? Tenant { get; init; }

    /// <summary><see cref="Id"/> qualified by <see cref="Tenant"/>: <c>{tenant}|{id}</c> (e.g. <c>ww1234|zhangsan</c>),
    /// with any <c>%</c> or <c>|</c> in the tenant percent-encoded so no two (tenant, id) pairs share a key; just
    /// <see cref="Id"/> when there is no tenant. What an external login is keyed by.</summary>
    public string ProviderKey => Tenant is null ? Id
        : (Tenant.Contains('%', StringComparison.Ordinal) || Tenant.Contains('|', StringComparison.Ordinal)
            ? Tenant.Replace("%", "%25", StringComparison.Ordinal).Replace("|", "%7C", StringComparison.Ordinal)
            : Tenant) + "|" + Id;

    /// <summary>Display name, when known.</summary>
    public string? Name { get; init; }

    /// <summary>Email address, when the provider gives one.</summary>
    public string? Email { get; init; }

    /// <summary>Whether the provider says the user proved they receive mail at <see cref="Email"/>: only then may a
    /// host link this sign-in to an account by that address. False when it says not or says nothing (each
    /// connector's README says what its provider tells).</summary>
    public bool EmailVerified { get; init; }

    /// <summary>Phone number in E.164 form, e.g. <c>+8613800000000</c>, when the provider gives a valid one.</summary>
    public string? Phone { get; init; }

    /// <summary>Whether the provider says the user proved they own <see cref="Phone"/>; as <see cref="EmailVerified"/>.</summary>
    public bool PhoneVerified { get; init; }

    /// <summary>Avatar URL, when known.</summary>
    public string? AvatarUrl { get; init; }

    /// <summary>The provider's profile as it returned it, without credentials or protocol envelopes.</summary>
    public JsonElement? RawData { get; init; }

    /// <summary>The tokens the provider issued for the user; null when it gives none to the user.</summary>
    public TokenSet? Tokens { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"SocialUserInfo {{ Id = {Id}, Tenant = {Tenant}, Name = {Name} }}";
}

/// <summary>Tokens from a provider's token endpoint.</summary>
/// <param name="AccessToken">The access token.</param>
/// <param name="TokenType">The token type as returned (e.g. <c>bearer</c>).</param>
public sealed record TokenSet(string AccessToken, string TokenType)
{
    /// <summary>The refresh token, when issued.</summary>
    public string? RefreshToken { get; init; }

    /// <summary>The ID token, when issued.</summary>
    public string? IdToken { get; init; }

    /// <summary>When the access token expires, when the provider says.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The granted scope, when the provider says.</summary>
    public string? Scope { get; init; }

    /// <summary>Redacted: tokens never appear in logs by accident.</summary>
    public override string ToString() => $"TokenSet {{ TokenType = {TokenType}, ExpiresAt = {ExpiresAt}, Scope = {Scope}, tokens redacted }}";
}
