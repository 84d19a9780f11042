using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>The signed-in user as the provider describes them.</summary>
/// <param name="Id">The provider's stable user id.</param>
public sealed record SocialUserInfo(string Id)
{
    /// <summary>Display name, when known.</summary>
    public string? Name { get; init; }

    /// <summary>Email address, when the provider gives one.</summary>
    public string? Email { get; init; }

    /// <summary>Phone number in E.164 form, e.g. <c>+8613800000000</c>, when the provider gives a valid one.</summary>
    public string? Phone { get; init; }

    /// <summary>Avatar URL, when known.</summary>
    public string? AvatarUrl { get; init; }

    /// <summary>The provider's profile as it returned it.</summary>
    public JsonElement? RawData { get; init; }

    /// <summary>The tokens the provider issued for the user; null when it gives none to the user.</summary>
    public TokenSet? Tokens { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"SocialUserInfo {{ Id = {Id}, Name = {Name} }}";
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
