using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace IdentityServer;

/// <summary>A user of this server: Identity's user with the profile its ID tokens carry.</summary>
public sealed class AppUser : IdentityUser
{
    /// <summary>Display name (OIDC <c>name</c>).</summary>
    public string? Name { get; set; }

    /// <summary>Avatar URL (OIDC <c>picture</c>).</summary>
    public string? Picture { get; set; }

    /// <summary>Logto's <c>identities</c> claim as JSON: per connector scheme, the provider's user id and profile.</summary>
    public string? Identities { get; set; }
}

/// <summary>Identity's tables and OpenIddict's (applications, authorizations, tokens) in one SQLite database.</summary>
public sealed class AppDb(DbContextOptions<AppDb> options) : IdentityDbContext<AppUser>(options);

/// <summary>A first-party client app (<c>Clients</c> in configuration), registered at start.</summary>
public sealed class ClientApp
{
    public string ClientId { get; set; } = string.Empty;

    public string? ClientSecret { get; set; }

    public string? DisplayName { get; set; }

    public List<Uri> RedirectUris { get; set; } = [];

    public List<Uri> PostLogoutRedirectUris { get; set; } = [];

    /// <summary>PKCE required for this client. Per client, not server-wide: next-auth v4's <c>type: 'oauth'</c>
    /// provider sends no code_challenge, Logto's SDKs and Auth.js v5 do.</summary>
    public bool RequirePkce { get; set; }
}
