using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore;

/// <summary>
/// Signs a user in with any <see cref="ISocialConnector"/>. The challenge sends the browser to the provider with a
/// fresh state of 32 letters and digits (what WeCom accepts) and keeps the <see cref="AuthenticationProperties"/> and
/// the connector session (redirect URI, PKCE verifier, nonce) in a data-protected, HttpOnly, SameSite=Lax cookie
/// named for that attempt, so several sign-ins can run at once in one browser. The callback refuses a missing or
/// tampered cookie, a state that does not match, an attempt of another scheme, an expired attempt and a callback used
/// before; the cookie is deleted. A provider denial goes to <c>AccessDeniedPath</c>; any other connector error is a
/// remote failure carrying its (secret-free) <see cref="ConnectorException"/>.
/// </summary>
internal sealed partial class ConnectorAuthenticationHandler : RemoteAuthenticationHandler<ConnectorAuthenticationOptions>
{
    private const string CookiePrefix = ".Connectors.Attempt.";
    private const string StateAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly ConnectorInstances _connectors;
    private readonly ConsumedAttempts _consumed;

    /// <summary>Creates the handler (through DI).</summary>
    public ConnectorAuthenticationHandler(IOptionsMonitor<ConnectorAuthenticationOptions> options, ILoggerFactory logger, UrlEncoder encoder, ConnectorInstances connectors, ConsumedAttempts consumed)
        : base(options, logger, encoder)
    {
        _connectors = connectors ?? throw new ArgumentNullException(nameof(connectors));
        _consumed = consumed ?? throw new ArgumentNullException(nameof(consumed));
    }

    /// <summary>The scheme's events.</summary>
    private new ConnectorAuthenticationEvents Events => (ConnectorAuthenticationEvents)base.Events;

    private IDataProtector Protector => Options.DataProtectionProvider!.CreateProtector("Connectors.AspNetCore.Attempt", "v1");

    /// <inheritdoc/>
    protected override Task<object> CreateEventsAsync() => Task.FromResult<object>(new ConnectorAuthenticationEvents());

    /// <inheritdoc/>
    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (string.IsNullOrEmpty(properties.RedirectUri))
        {
            properties.RedirectUri = OriginalPathBase + OriginalPath + Request.QueryString;
        }

        // Where the browser goes after sign-in: this site only (a request path of "//evil.example/x" would otherwise
        // become a redirect to another site), unless the host allows other addresses.
        if (!Options.AllowExternalReturnUrls && !IsLocal(properties.RedirectUri))
        {
            LogExternalReturnUrl(Logger, Scheme.Name);
            properties.RedirectUri = OriginalPathBase.HasValue ? OriginalPathBase.Value : "/";
        }

        var connector = await _connectors.GetAsync(Options, new ConnectorConfigContext(Context, Scheme, properties)).ConfigureAwait(false);
        var state = RandomNumberGenerator.GetString(StateAlphabet, 32);
        var redirect = await connector.GetAuthorizationUriAsync(
            new AuthorizationRequest(state, new Uri(BuildRedirectUri(Options.CallbackPath))) { UserAgent = Request.Headers.UserAgent.ToString() },
            Context.RequestAborted).ConfigureAwait(false);

        var expires = TimeProvider.GetUtcNow() + Options.RemoteAuthenticationTimeout;
        Response.Cookies.Append(CookiePrefix + state, Protect(new Attempt(Scheme.Name, state, expires, properties, redirect.Session)), CookieOptions(expires, redirect.ResponseIsPosted));
        await Events.RedirectToAuthorizationEndpoint(new RedirectContext<ConnectorAuthenticationOptions>(Context, Scheme, Options, properties, redirect.Uri.AbsoluteUri)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override async Task<HandleRequestResult> HandleRemoteAuthenticateAsync()
    {
        var parameters = await CallbackParametersAsync().ConfigureAwait(false);
        var state = parameters.GetValueOrDefault("state");
        if (string.IsNullOrEmpty(state) || state.Length > 128 || !state.All(char.IsAsciiLetterOrDigit))
        {
            return HandleRequestResult.Fail("The callback carries no valid state: it answers no sign-in this site started.");
        }

        var cookieName = CookiePrefix + state;
        var cookie = Request.Cookies[cookieName];
        Response.Cookies.Delete(cookieName, CookieOptions(null, HttpMethods.IsPost(Request.Method)));
        if (cookie is null)
        {
            return HandleRequestResult.Fail("The state does not match any sign-in attempt of this browser: it expired, was already completed, or began in another browser.");
        }

        var attempt = Unprotect(cookie);
        var now = TimeProvider.GetUtcNow();
        var problem = attempt is null ? "The sign-in attempt cookie is invalid or was tampered with."
            : attempt.Scheme != Scheme.Name ? "The callback belongs to a sign-in with another scheme."
            : !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(attempt.State), Encoding.ASCII.GetBytes(state)) ? "The state does not match this browser's sign-in attempt."
            : now > attempt.ExpiresAt ? "The sign-in attempt expired; start again."
            : null;
        problem ??= await _consumed.TryConsumeAsync(Scheme.Name + ":" + state, attempt!.ExpiresAt, now, Context.RequestAborted).ConfigureAwait(false) switch
        {
            Consumption.Replayed => "This callback was already used; start again.",
            Consumption.Full => "Too many sign-ins completed on this server within the sign-in timeout to tell a replayed callback from a new one (ConnectorReplayOptions.Capacity); try again in a few minutes.",
            _ => null,
        };
        if (problem is not null)
        {
            return HandleRequestResult.Fail(problem, attempt?.Properties);
        }

        var properties = attempt!.Properties;
        var error = parameters.GetValueOrDefault("error");
        if (error == "access_denied" || (string.IsNullOrEmpty(error) && string.IsNullOrEmpty(parameters.GetValueOrDefault("code"))))
        {
            return await HandleAccessDeniedErrorAsync(properties).ConfigureAwait(false);
        }

        SocialUserInfo user;
        try
        {
            var connector = await _connectors.GetAsync(Options, new ConnectorConfigContext(Context, Scheme, properties)).ConfigureAwait(false);
            user = await connector.GetUserInfoAsync(new SocialCallback(parameters, attempt.Session), Context.RequestAborted).ConfigureAwait(false);
        }
        catch (ConnectorException exception)
        {
            return HandleRequestResult.Fail(exception, properties);
        }

        var identity = Identity(user);
        if (Options.SaveTokens && user.Tokens is { } tokens)
        {
            var saved = new List<AuthenticationToken> { new() { Name = "access_token", Value = tokens.AccessToken }, new() { Name = "token_type", Value = tokens.TokenType } };
            if (tokens.RefreshToken is { } refresh)
            {
                saved.Add(new AuthenticationToken { Name = "refresh_token", Value = refresh });
            }

            if (tokens.IdToken is { } id)
            {
                saved.Add(new AuthenticationToken { Name = "id_token", Value = id });
            }

            if (tokens.ExpiresAt is { } expiresAt)
            {
                saved.Add(new AuthenticationToken { Name = "expires_at", Value = expiresAt.ToString("o", CultureInfo.InvariantCulture) });
            }

            properties.StoreTokens(saved);
        }

        if (Options.SaveProfile && user.RawData is { } profile)
        {
            properties.Items[ConnectorAuthenticationProperties.ProfileKey] = profile.GetRawText();
        }

        var context = new ConnectorCreatingTicketContext(Context, Scheme, Options, new ClaimsPrincipal(identity), properties, user);
        await Events.CreatingTicket(context).ConfigureAwait(false);
        if (context.Result?.Failure is { } failure)
        {
            return HandleRequestResult.Fail(failure, context.Properties);
        }

        return HandleRequestResult.Success(new AuthenticationTicket(context.Principal!, context.Properties, Scheme.Name));
    }

    /// <summary>The user's claims, named as <see cref="ConnectorAuthenticationOptions.ClaimNames"/> says. The name
    /// identifier (or <c>sub</c>) is the tenant-qualified <see cref="SocialUserInfo.ProviderKey"/>, so an external login
    /// keyed by it never joins two corps' or issuers' users.</summary>
    private ClaimsIdentity Identity(SocialUserInfo user)
    {
        var oidc = Options.ClaimNames == ConnectorClaimNames.Oidc;
        var identity = oidc ? new ClaimsIdentity(Scheme.Name, "name", "role") : new ClaimsIdentity(Scheme.Name);
        var issuer = ClaimsIssuer;
        void Add(string type, string? value, string valueType = ClaimValueTypes.String)
        {
            if (!string.IsNullOrEmpty(value))
            {
                identity.AddClaim(new Claim(type, value, valueType, issuer));
            }
        }

        static string Flag(bool value) => value ? "true" : "false";
        Add(oidc ? "sub" : ClaimTypes.NameIdentifier, user.ProviderKey);
        Add(oidc ? "name" : ClaimTypes.Name, user.Name ?? user.Id);
        Add(oidc ? "email" : ClaimTypes.Email, user.Email);
        Add(ConnectorClaimTypes.EmailVerified, user.Email is null ? null : Flag(user.EmailVerified), ClaimValueTypes.Boolean);
        Add(oidc ? "phone_number" : ClaimTypes.MobilePhone, user.Phone);
        Add(ConnectorClaimTypes.PhoneVerified, user.Phone is null ? null : Flag(user.PhoneVerified), ClaimValueTypes.Boolean);
        Add(oidc ? "picture" : ConnectorClaimTypes.Avatar, user.AvatarUrl);
        Add(ConnectorClaimTypes.Connector, Options.ConnectorId);
        Add(ConnectorClaimTypes.UserId, user.Id);
        Add(ConnectorClaimTypes.Tenant, user.Tenant);
        return identity;
    }

    /// <summary>The callback's parameters: the query, or the form of a <c>form_post</c> response.</summary>
    private async Task<Dictionary<string, string?>> CallbackParametersAsync()
    {
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in Request.Query)
        {
            parameters[key] = value.FirstOrDefault();
        }

        if (HttpMethods.IsPost(Request.Method) && Request.HasFormContentType)
        {
            var form = await Request.ReadFormAsync(Context.RequestAborted).ConfigureAwait(false);
            foreach (var (key, value) in form)
            {
                parameters[key] = value.FirstOrDefault();
            }
        }

        return parameters;
    }

    // The provider's redirect back is a top-level GET from another site, which carries Lax cookies; a form_post
    // response is a POST from another site, which carries only SameSite=None cookies, and browsers keep those only
    // when Secure (as ASP.NET Core's OpenID Connect handler sets its correlation cookie).
    private CookieOptions CookieOptions(DateTimeOffset? expires, bool posted) => new()
    {
        HttpOnly = true,
        Secure = posted || Request.IsHttps,
        SameSite = posted ? SameSiteMode.None : SameSiteMode.Lax,
        Path = OriginalPathBase + Options.CallbackPath,
        Expires = expires,
        IsEssential = true,
    };

    /// <summary>Whether <paramref name="url"/> stays on this site: a path (not <c>//host</c> or <c>/\host</c>), or
    /// an absolute URL of this request's scheme and host.</summary>
    private bool IsLocal(string url)
    {
        if (url.StartsWith('/'))
        {
            return url.Length == 1 || (url[1] != '/' && url[1] != '\\');
        }

        return Uri.TryCreate(url, UriKind.Absolute, out var absolute)
            && string.Equals(absolute.Scheme, Request.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(absolute.Authority, Request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private sealed record Attempt(string Scheme, string State, DateTimeOffset ExpiresAt, AuthenticationProperties Properties, IReadOnlyDictionary<string, string> Session);

    private string Protect(Attempt attempt)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("scheme", attempt.Scheme);
            writer.WriteString("state", attempt.State);
            writer.WriteNumber("expires", attempt.ExpiresAt.ToUnixTimeMilliseconds());
            writer.WriteBase64String("properties", PropertiesSerializer.Default.Serialize(attempt.Properties));
            writer.WriteStartObject("session");
            foreach (var (key, value) in attempt.Session)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Protector.Protect(Convert.ToBase64String(buffer.ToArray()));
    }

    private Attempt? Unprotect(string cookie)
    {
        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(Protector.Unprotect(cookie)));
            var root = document.RootElement;
            var properties = PropertiesSerializer.Default.Deserialize(root.GetProperty("properties").GetBytesFromBase64());
            var session = root.GetProperty("session").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
            return properties is null ? null : new Attempt(
                root.GetProperty("scheme").GetString()!,
                root.GetProperty("state").GetString()!,
                DateTimeOffset.FromUnixTimeMilliseconds(root.GetProperty("expires").GetInt64()),
                properties,
                session);
        }
        catch (Exception exception) when (exception is CryptographicException or FormatException or JsonException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "A {Scheme} sign-in was asked to return to an address outside this site; it returns to the site's root instead (ConnectorAuthenticationOptions.AllowExternalReturnUrls)")]
    private static partial void LogExternalReturnUrl(ILogger logger, string scheme);
}
