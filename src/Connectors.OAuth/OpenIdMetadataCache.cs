using System.Collections.Concurrent;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.IdentityModel.Tokens;

namespace Connectors.OAuth;

/// <summary>An OpenID provider's discovery document, the fields this library uses.</summary>
/// <param name="Issuer">The <c>issuer</c>.</param>
/// <param name="Endpoints">The endpoints it names.</param>
public sealed record OpenIdConfiguration(string Issuer, OAuthEndpoints Endpoints);

/// <summary>
/// OpenID discovery documents and JSON Web Key Sets, fetched once and kept for <see cref="Lifetime"/>, single-flight
/// (concurrent sign-ins wait for one fetch). A JWKS is fetched again when an ID token names a key it does not hold
/// (key rotation) as soon as the held set is <see cref="MinimumKeySetAge"/> old, so rotations in quick succession
/// fail no sign-in; after a refetch that brought no new key, the next waits <see cref="MinimumRefreshInterval"/>, so
/// tokens with made-up key ids cannot make it hammer the provider. Bounded: at most <see cref="Capacity"/> documents
/// are kept.
/// </summary>
public sealed class OpenIdMetadataCache
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ProviderHttpClient _http;
    private readonly Func<Uri, bool> _allowed;

    /// <summary>Creates the cache of one provider (or of one generic connector kind).</summary>
    /// <param name="http">The provider's HTTP client; its clock times the entries.</param>
    /// <param name="allowedEndpoint">Whether an endpoint named by a discovery document may be used (https, or an
    /// origin the host allows); all are allowed when null.</param>
    public OpenIdMetadataCache(ProviderHttpClient http, Func<Uri, bool>? allowedEndpoint = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _allowed = allowedEndpoint ?? (_ => true);
    }

    /// <summary>How long a document is kept. Default 24 hours.</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>The least time between two fetches of one JWKS for unknown keys once a refetch brought no new key
    /// (repeated misses). Default 1 minute.</summary>
    public TimeSpan MinimumRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How old a held JWKS must be before an unknown key fetches it again. Default 5 seconds.</summary>
    public TimeSpan MinimumKeySetAge { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many documents are kept; beyond it the oldest go. Default 256.</summary>
    public int Capacity { get; init; } = 256;

    /// <summary>The discovery document of <paramref name="issuer"/> (<c>{issuer}/.well-known/openid-configuration</c>).</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidResponse"/> when the document is not
    /// one, names another issuer or an endpoint that is not allowed; what the request gives otherwise.</exception>
    public async Task<OpenIdConfiguration> GetConfigurationAsync(Uri issuer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var value = await GetAsync("discovery", ProviderEndpoint.Combine(issuer, ".well-known/openid-configuration"), refresh: false, json => ReadConfiguration(json, issuer), cancellationToken).ConfigureAwait(false);
        return (OpenIdConfiguration)value;
    }

    /// <summary>The signing keys of the JWKS at <paramref name="jwksUri"/>; fetched again when <paramref name="refresh"/>
    /// and the last fetch is older than <see cref="MinimumRefreshInterval"/>.</summary>
    public async Task<IReadOnlyList<SecurityKey>> GetSigningKeysAsync(Uri jwksUri, bool refresh, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jwksUri);
        return (IReadOnlyList<SecurityKey>)await GetAsync("jwks", jwksUri, refresh, ReadKeys, cancellationToken).ConfigureAwait(false);
    }

    private async Task<object> GetAsync(string operation, Uri uri, bool refresh, Func<JsonElement, object> read, CancellationToken cancellationToken)
    {
        var now = _http.TimeProvider.GetUtcNow();
        var entry = _entries.GetOrAdd(uri.AbsoluteUri, static _ => new Entry());
        Task<(object Value, DateTimeOffset At, bool Unchanged)> pending;
        lock (entry)
        {
            var stale = entry.Fetch is not { IsCompletedSuccessfully: true } done
                || now - done.Result.At >= Lifetime
                || (refresh && now - done.Result.At >= (done.Result.Unchanged ? MinimumRefreshInterval : MinimumKeySetAge));
            if (stale && entry.Fetch is not { IsCompleted: false })
            {
                var previous = entry.Fetch is { IsCompletedSuccessfully: true } held ? held.Result.Value : null;
                entry.Fetch = FetchAsync(operation, uri, read, refresh ? previous : null);
            }

            pending = entry.Fetch!;
        }

        if (_entries.Count > Capacity)
        {
            foreach (var old in _entries.Where(e => e.Value != entry).OrderBy(e => e.Value.Fetch is { IsCompletedSuccessfully: true } f ? f.Result.At : DateTimeOffset.MaxValue).Take(_entries.Count - Capacity).ToList())
            {
                _entries.TryRemove(old);
            }
        }

        return (await pending.WaitAsync(cancellationToken).ConfigureAwait(false)).Value;
    }

    // The fetch is shared by every waiting sign-in: one caller's cancellation must not fail the others.
    // A refetch for an unknown key notes whether it brought any key the held set lacked.
    private async Task<(object, DateTimeOffset, bool)> FetchAsync(string operation, Uri uri, Func<JsonElement, object> read, object? previous)
    {
        var json = await _http.SendJsonAsync(new ProviderRequest(operation, HttpMethod.Get, uri, RequestSafety.Safe), CancellationToken.None).ConfigureAwait(false);
        var value = read(json);
        var unchanged = previous is IReadOnlyList<SecurityKey> before && value is IReadOnlyList<SecurityKey> after
            && after.All(k => before.Any(b => b.KeyId == k.KeyId)); // a refetch happens for a key id the set lacked
        return (value, _http.TimeProvider.GetUtcNow(), unchanged);
    }

    private OpenIdConfiguration ReadConfiguration(JsonElement json, Uri issuer)
    {
        string? problem = null;
        Uri? Endpoint(string name, bool required)
        {
            var text = json.GetStringOrNull(name);
            if (text is null)
            {
                problem ??= required ? $"has no {name}" : null;
                return null;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !_allowed(uri))
            {
                problem ??= $"names a {name} that is not an allowed https address";
                return null;
            }

            return uri;
        }

        var declared = json.GetStringOrNull("issuer");
        var authorization = Endpoint("authorization_endpoint", required: true);
        var token = Endpoint("token_endpoint", required: true);
        var userInfo = Endpoint("userinfo_endpoint", required: false);
        var jwks = Endpoint("jwks_uri", required: true);
        var par = Endpoint("pushed_authorization_request_endpoint", required: false);
        var issParameter = json.TryGetProperty("authorization_response_iss_parameter_supported", out var flag) && flag.ValueKind == JsonValueKind.True;
        // OpenID Connect Discovery 4.3: the document's issuer is exactly the one asked for.
        if (declared is null || declared.TrimEnd('/') != issuer.AbsoluteUri.TrimEnd('/'))
        {
            problem = "names another issuer than the one configured";
        }

        if (problem is not null)
        {
            throw _http.Fail("discovery", new ProviderFailure(ConnectorErrorCode.InvalidResponse, $"returned a discovery document that {problem}"));
        }

        return new OpenIdConfiguration(declared!, new OAuthEndpoints(authorization!, token!)
        {
            UserInfo = userInfo,
            Jwks = jwks,
            Issuer = declared,
            PushedAuthorizationRequest = par,
            AuthorizationResponseHasIssuer = issParameter,
        });
    }

    private IReadOnlyList<SecurityKey> ReadKeys(JsonElement json)
    {
        try
        {
            var keys = new JsonWebKeySet(json.GetRawText()).GetSigningKeys();
            if (keys.Count > 0)
            {
                return [.. keys];
            }
        }
        catch (ArgumentException)
        {
            // not a key set
        }

        throw _http.Fail("jwks", new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned no usable signing key (is jwks_uri right?)"));
    }

    private sealed class Entry
    {
        public Task<(object Value, DateTimeOffset At, bool Unchanged)>? Fetch { get; set; }
    }
}
