using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Net;
using System.Reflection;
using System.Text.Json;

namespace Connectors.Testing;

/// <summary>A client registered with <see cref="OidcProviderServer"/>.</summary>
/// <param name="Id">The client id.</param>
/// <param name="Secret">The client secret (32 characters or more: HS256 client assertions are signed with it).</param>
/// <param name="AuthMethod">Its <c>token_endpoint_auth_method</c>, e.g. <c>client_secret_basic</c>.</param>
/// <param name="RedirectUris">Its registered redirect URIs.</param>
public sealed record OidcClient(string Id, string Secret, string AuthMethod, params string[] RedirectUris)
{
    /// <summary><c>web</c> (default) or <c>native</c>: a native client's <c>http://127.0.0.1/...</c> redirect URI
    /// matches any port (RFC 8252 7.3), for an app on a port the operating system picks.</summary>
    public string ApplicationType { get; init; } = "web";
}

/// <summary>
/// A real, certified OpenID Provider: panva's <c>oidc-provider</c> from npm (tests/package.json), run by Node.js from
/// <c>tests/oidc-provider/server.mjs</c> on a loopback port it binds itself (port 0) and reports. Every user signs in as
/// <c>alice</c> without a page, so an HTTP client (<see cref="AuthorizeAsync"/>) or a browser follows its redirects.
/// </summary>
public sealed partial class OidcProviderServer : IAsyncDisposable
{
    private readonly TestProcess _process;

    private OidcProviderServer(TestProcess process, Uri issuer)
    {
        _process = process;
        Issuer = issuer;
    }

    /// <summary>The issuer, e.g. <c>http://localhost:41234</c> (no trailing slash in its <c>iss</c>).</summary>
    public Uri Issuer { get; }

    /// <summary>The issuer as the provider writes it in <c>iss</c>.</summary>
    public string IssuerText => Issuer.GetLeftPart(UriPartial.Authority);

    /// <summary>Starts the provider with <paramref name="clients"/>.</summary>
    /// <param name="clients">The registered clients.</param>
    /// <param name="host">The issuer's host name (it listens on 127.0.0.1 either way): <c>localhost</c> by default,
    /// another site than <c>127.0.0.1</c> for a browser.</param>
    /// <param name="conformIdTokenClaims">As oidc-provider's option of that name (default true: scope claims come from
    /// userinfo only, OpenID Connect Core 5.4).</param>
    /// <exception cref="InvalidOperationException">When Node.js or the package is missing, or the provider does not start.</exception>
    public static async Task<OidcProviderServer> StartAsync(IEnumerable<OidcClient> clients, string host = "localhost", bool conformIdTokenClaims = true)
    {
        var script = typeof(OidcProviderServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "OidcProviderScript").Value!;
        var settings = JsonSerializer.Serialize(new
        {
            host,
            conformIdTokenClaims,
            clients = clients.Select(c => new Dictionary<string, object>
            {
                ["client_id"] = c.Id,
                ["client_secret"] = c.Secret,
                ["token_endpoint_auth_method"] = c.AuthMethod,
                ["redirect_uris"] = c.RedirectUris,
                ["response_types"] = new[] { "code" },
                ["grant_types"] = new[] { "authorization_code" },
                ["application_type"] = c.ApplicationType,
            }),
        });
        var start = new ProcessStartInfo("node");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(settings);
        var (process, ready) = await TestProcess.StartAsync(start, ListeningLine(), "oidc-provider (Node.js; 'npm ci' in tests/ installs it)", TimeSpan.FromSeconds(90));
        return new OidcProviderServer(process, new Uri($"http://{host}:{ready.Groups[1].Value}"));
    }

    [GeneratedRegex(@"^oidc-provider listening on (\d+)$")]
    private static partial Regex ListeningLine();

    /// <summary>Replaces the provider's signing key with a new one (a new kid); sessions and grants are kept.</summary>
    public async Task RotateKeysAsync()
    {
        using var client = new HttpClient();
        using var response = await client.PostAsync(new Uri(Issuer, "/__test/rotate"), null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Follows the provider's redirects from <paramref name="authorizationUri"/> as a browser would, with a cookie jar
    /// of its own, until the provider sends the browser to <paramref name="redirectUri"/>; returns that callback's
    /// query (<c>code</c>, <c>state</c>, <c>iss</c>), or the error the provider answered with.
    /// </summary>
    public static async Task<string> AuthorizeAsync(Uri authorizationUri, Uri redirectUri)
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        var next = authorizationUri;
        for (var hop = 0; hop < 10; hop++)
        {
            using var response = await client.GetAsync(next);
            if (response.Headers.Location is not { } location)
            {
                throw new InvalidOperationException($"The provider answered {(int)response.StatusCode} without a redirect: {await response.Content.ReadAsStringAsync()}");
            }

            next = location.IsAbsoluteUri ? location : new Uri(next, location);
            if (next.GetLeftPart(UriPartial.Path) == redirectUri.GetLeftPart(UriPartial.Path))
            {
                return next.Query.TrimStart('?');
            }
        }

        throw new InvalidOperationException("The provider redirected more than 10 times.");
    }

    /// <summary>What the provider printed (for failure messages).</summary>
    public string Output => _process.Output;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
