using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Connectors.AspNetCore;

/// <summary>The options of a connector authentication scheme (<c>AddConnector</c>).</summary>
/// <remarks>The per-attempt cookie is protected with <see cref="RemoteAuthenticationOptions.DataProtectionProvider"/>
/// (the host's data protection when not set). The attempt lifetime is <see cref="RemoteAuthenticationOptions.RemoteAuthenticationTimeout"/> (default 15
/// minutes); <see cref="RemoteAuthenticationOptions.CallbackPath"/> defaults to <c>/signin-{scheme}</c>.</remarks>
public sealed class ConnectorAuthenticationOptions : RemoteAuthenticationOptions
{
    /// <summary>Creates the options with <see cref="ConnectorAuthenticationEvents"/>.</summary>
    public ConnectorAuthenticationOptions()
    {
        Events = new ConnectorAuthenticationEvents();
    }

    /// <summary>The connector id, e.g. <c>wecom-universal</c>, <c>huggingface-universal</c>, <c>oidc</c>. Required.</summary>
    public string ConnectorId { get; set; } = string.Empty;

    /// <summary>The connector config (Logto's JSON), when it is the same for every request.</summary>
    public JsonElement? Config { get; set; }

    /// <summary>A configuration section holding the connector config (e.g. <c>Connectors:WeCom</c>). It is read when
    /// the options are built, and checked, with the config, when the host starts: a missing section (a misspelled
    /// name) or an invalid config stops the host with every problem named.</summary>
    public IConfiguration? Configuration { get; set; }

    // The section Configuration named, after it was read into Config: the start-time check names it when it is missing.
    internal IConfiguration? Section { get; set; }

    /// <summary>The config for each sign-in, for multi-tenant hosts: the tenant from the host name, a route value, or
    /// the sign-in's <see cref="AuthenticationProperties"/> (where an identity server puts the OIDC client the user
    /// signs in to). Called at the challenge and again at the callback with the same properties, kept in the attempt
    /// cookie, so both steps use one config. Connectors made from unchanged config are reused.</summary>
    public Func<ConnectorConfigContext, ValueTask<JsonElement>>? ConfigResolver { get; set; }

    /// <summary>The claim types the signed-in principal carries; default <see cref="ConnectorClaimNames.ClaimTypes"/>.</summary>
    public ConnectorClaimNames ClaimNames { get; set; }

    /// <summary>Whether the provider's profile (<see cref="Abstractions.SocialUserInfo.RawData"/>, credentials removed) is
    /// kept in the ticket's properties, under <see cref="ConnectorAuthenticationProperties.ProfileKey"/> (read it with
    /// <see cref="ConnectorAuthenticationProperties.GetProfile"/>), e.g. for an identity server's <c>identities</c>
    /// claim. Default false: it makes the sign-in cookie larger.</summary>
    public bool SaveProfile { get; set; }

    /// <summary>Whether the address a sign-in returns to (<see cref="AuthenticationProperties.RedirectUri"/>) may be
    /// outside this site. Default false: an address that is not a local path or this site's own URL is replaced by
    /// the site's root, so a crafted path or return URL cannot make sign-in an open redirect.</summary>
    public bool AllowExternalReturnUrls { get; set; }

    /// <summary>The events: redirect, ticket creation, and those of every remote scheme (failure, access denied, ticket received).</summary>
    public new ConnectorAuthenticationEvents Events
    {
        get => (ConnectorAuthenticationEvents)base.Events;
        set => base.Events = value;
    }

    /// <inheritdoc/>
    public override void Validate(string scheme)
    {
        base.Validate(scheme);
        if (string.IsNullOrWhiteSpace(ConnectorId))
        {
            throw new ArgumentException($"The connector scheme '{scheme}' needs ConnectorId (e.g. wecom-universal).", nameof(ConnectorId));
        }

        var sources = (Config is null ? 0 : 1) + (Configuration is null ? 0 : 1) + (ConfigResolver is null ? 0 : 1);
        if (sources != 1)
        {
            throw new ArgumentException($"The connector scheme '{scheme}' needs exactly one of Config, Configuration or ConfigResolver (it has {sources}).", nameof(Config));
        }
    }
}

/// <summary>The events of a connector scheme, as users of <c>OAuthHandler</c> expect them.</summary>
public class ConnectorAuthenticationEvents : RemoteAuthenticationEvents
{
    /// <summary>Called to send the browser to the provider; by default a 302 to <c>RedirectUri</c>.</summary>
    public Func<RedirectContext<ConnectorAuthenticationOptions>, Task> OnRedirectToAuthorizationEndpoint { get; set; } = context =>
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    };

    /// <summary>Called with the signed-in user (its <see cref="Abstractions.SocialUserInfo.RawData"/> too) before the
    /// ticket is made: add or change claims, or reject.</summary>
    public Func<ConnectorCreatingTicketContext, Task> OnCreatingTicket { get; set; } = _ => Task.CompletedTask;

    /// <summary>Invokes <see cref="OnRedirectToAuthorizationEndpoint"/>.</summary>
    public virtual Task RedirectToAuthorizationEndpoint(RedirectContext<ConnectorAuthenticationOptions> context) => OnRedirectToAuthorizationEndpoint(context);

    /// <summary>Invokes <see cref="OnCreatingTicket"/>.</summary>
    public virtual Task CreatingTicket(ConnectorCreatingTicketContext context) => OnCreatingTicket(context);
}

/// <summary>The context of <see cref="ConnectorAuthenticationEvents.OnCreatingTicket"/>.</summary>
public sealed class ConnectorCreatingTicketContext : ResultContext<ConnectorAuthenticationOptions>
{
    /// <summary>Creates the context.</summary>
    public ConnectorCreatingTicketContext(HttpContext context, AuthenticationScheme scheme, ConnectorAuthenticationOptions options, System.Security.Claims.ClaimsPrincipal principal, AuthenticationProperties properties, Abstractions.SocialUserInfo user)
        : base(context, scheme, options)
    {
        Principal = principal;
        Properties = properties;
        User = user;
    }

    /// <summary>The user as the connector returned them.</summary>
    public Abstractions.SocialUserInfo User { get; }

    /// <summary>The identity being built.</summary>
    public System.Security.Claims.ClaimsIdentity? Identity => Principal?.Identity as System.Security.Claims.ClaimsIdentity;
}

/// <summary>What <see cref="ConnectorAuthenticationOptions.ConfigResolver"/> is given: the request, the scheme and the
/// sign-in's properties.</summary>
public sealed class ConnectorConfigContext
{
    /// <summary>Creates the context.</summary>
    public ConnectorConfigContext(HttpContext httpContext, AuthenticationScheme scheme, AuthenticationProperties properties)
    {
        HttpContext = httpContext ?? throw new ArgumentNullException(nameof(httpContext));
        Scheme = scheme ?? throw new ArgumentNullException(nameof(scheme));
        Properties = properties ?? throw new ArgumentNullException(nameof(properties));
    }

    /// <summary>The request: the challenge, then the provider's callback.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The scheme signing in.</summary>
    public AuthenticationScheme Scheme { get; }

    /// <summary>The properties the challenge was given (at the callback: the same, from the attempt cookie).</summary>
    public AuthenticationProperties Properties { get; }
}

/// <summary>The claim types of a connector scheme's principal (<see cref="ConnectorAuthenticationOptions.ClaimNames"/>).</summary>
public enum ConnectorClaimNames
{
    /// <summary>ASP.NET Core's: <see cref="System.Security.Claims.ClaimTypes.NameIdentifier"/> (the provider key),
    /// <see cref="System.Security.Claims.ClaimTypes.Name"/>, <see cref="System.Security.Claims.ClaimTypes.Email"/>,
    /// <see cref="System.Security.Claims.ClaimTypes.MobilePhone"/>, <see cref="ConnectorClaimTypes.Avatar"/>.</summary>
    ClaimTypes,

    /// <summary>OpenID Connect's (Core 5.1): <c>sub</c> (the provider key), <c>name</c>, <c>email</c>,
    /// <c>phone_number</c>, <c>picture</c>; what an identity server copies into its own tokens. ASP.NET Core Identity
    /// reads <c>sub</c> as the external login's key when there is no name identifier.</summary>
    Oidc,
}

/// <summary>Claim types a connector scheme adds besides the profile's. Every principal also carries
/// <see cref="EmailVerified"/> with an email and <see cref="PhoneVerified"/> with a phone, whatever
/// <see cref="ConnectorAuthenticationOptions.ClaimNames"/>.</summary>
public static class ConnectorClaimTypes
{
    /// <summary>The avatar URL (with <see cref="ConnectorClaimNames.ClaimTypes"/>).</summary>
    public const string Avatar = "urn:connectors:avatar";

    /// <summary>The connector id the user signed in with.</summary>
    public const string Connector = "urn:connectors:connector";

    /// <summary>The provider's own user id (<see cref="Abstractions.SocialUserInfo.Id"/>), unique only within
    /// <see cref="Tenant"/>; the name identifier (or <c>sub</c>) is the tenant-qualified provider key.</summary>
    public const string UserId = "urn:connectors:user_id";

    /// <summary>What the user id is unique within (<see cref="Abstractions.SocialUserInfo.Tenant"/>): the WeCom corp id,
    /// the OIDC issuer...; absent when the connector does not know it.</summary>
    public const string Tenant = "urn:connectors:tenant";

    /// <summary><c>true</c> or <c>false</c>: whether the provider says the email is verified (OpenID Connect's name).</summary>
    public const string EmailVerified = "email_verified";

    /// <summary><c>true</c> or <c>false</c>: whether the provider says the phone number is verified (OpenID Connect's name).</summary>
    public const string PhoneVerified = "phone_number_verified";
}

/// <summary>What a connector scheme keeps in the ticket's <see cref="AuthenticationProperties"/>.</summary>
public static class ConnectorAuthenticationProperties
{
    /// <summary>The key of the provider's profile JSON (<see cref="ConnectorAuthenticationOptions.SaveProfile"/>).</summary>
    public const string ProfileKey = ".connectors.profile";

    /// <summary>The provider's profile saved with <see cref="ConnectorAuthenticationOptions.SaveProfile"/>; null when not saved.</summary>
    public static JsonElement? GetProfile(this AuthenticationProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (!properties.Items.TryGetValue(ProfileKey, out var json) || json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
