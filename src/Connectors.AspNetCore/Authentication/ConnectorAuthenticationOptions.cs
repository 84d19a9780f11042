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

    /// <summary>A configuration section holding the connector config (e.g. <c>Connectors:WeCom</c>).</summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>The config for each request, for multi-tenant hosts (the tenant from the host name, a route value...).
    /// Connectors made from unchanged config are reused.</summary>
    public Func<HttpContext, ValueTask<JsonElement>>? ConfigResolver { get; set; }

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

/// <summary>Claim types a connector scheme adds besides the standard ones.</summary>
public static class ConnectorClaimTypes
{
    /// <summary>The avatar URL.</summary>
    public const string Avatar = "urn:connectors:avatar";

    /// <summary>The connector id the user signed in with.</summary>
    public const string Connector = "urn:connectors:connector";
}
