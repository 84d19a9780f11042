using System.Globalization;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.OAuth;

/// <summary>
/// Reads the fields Logto's <c>oauth2</c> and <c>oidc</c> configs share: <c>authorizationEndpoint</c>,
/// <c>tokenEndpoint</c>, <c>clientId</c>, <c>clientSecret</c>, <c>tokenEndpointAuthMethod</c> (default
/// <c>client_secret_post</c>, as Logto), <c>clientSecretJwtSigningAlgorithm</c>, <c>scope</c>, <c>responseType</c>,
/// <c>grantType</c> and <c>customConfig</c>, each problem reported with its path.
/// </summary>
internal static class OAuthConfigFields
{
    // Parameters the flow sets itself: customConfig must not replace them (a stored config could otherwise redirect
    // the code or drop PKCE).
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "response_type", "client_id", "client_secret", "redirect_uri", "state", "scope", "nonce", "code", "grant_type",
        "code_challenge", "code_challenge_method", "code_verifier", "client_assertion", "client_assertion_type", "request", "request_uri",
    };

    /// <summary>An endpoint: an absolute https URL on a public host, unless its origin is one the host allows; null
    /// (reported) otherwise.</summary>
    public static Uri? Endpoint(ConfigReader reader, JsonElement parent, string name, string path, bool required, GenericOAuthOptions options)
    {
        var text = required ? reader.RequiredString(parent, name, path) : reader.OptionalString(parent, name, path);
        if (text is null)
        {
            return null;
        }

        if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && uri.UserInfo.Length == 0 && uri.Fragment.Length == 0 && options.IsAllowed(uri))
        {
            return uri;
        }

        reader.AddError(path, "must be an absolute https URL (without credentials or fragment) on a public host, not a loopback, private or link-local address, or on an origin the host application allows");
        return null;
    }

    /// <summary>The client fields; null when a required one is missing or wrong (all reported).</summary>
    public static OAuthClientSettings? Client(ConfigReader reader, Func<string?, string?> scope)
    {
        var clientId = reader.RequiredString("clientId")?.Trim();
        var secret = reader.RequiredString("clientSecret");
        var method = reader.OptionalString("tokenEndpointAuthMethod")?.Trim() switch
        {
            null or "client_secret_post" => ClientAuthenticationMethod.ClientSecretPost,
            "client_secret_basic" => ClientAuthenticationMethod.ClientSecretBasic,
            "client_secret_jwt" => ClientAuthenticationMethod.ClientSecretJwt,
            _ => Fail<ClientAuthenticationMethod>(reader, "tokenEndpointAuthMethod", "must be client_secret_post (default), client_secret_basic or client_secret_jwt"),
        };
        var algorithm = reader.OptionalString("clientSecretJwtSigningAlgorithm")?.Trim() ?? "HS256";
        if (algorithm is not ("HS256" or "HS384" or "HS512"))
        {
            reader.AddError("clientSecretJwtSigningAlgorithm", "must be HS256 (default), HS384 or HS512");
        }

        Literal(reader, "responseType", "code");
        Literal(reader, "grantType", "authorization_code");
        var custom = StringMap(reader, reader.Root, "customConfig", "customConfig");
        // Compared as a provider may read the name: unescaped, trimmed, in any case.
        foreach (var name in custom.Select(p => p.Key).Where(k => Reserved.Contains(Uri.UnescapeDataString(k).Trim().ToLowerInvariant())))
        {
            reader.AddError(ConfigReader.PathOf("customConfig", name), "is set by the connector itself and cannot be replaced");
        }

        return clientId is null || secret is null
            ? null
            : new OAuthClientSettings
            {
                ClientId = clientId,
                ClientSecret = new Secret(secret),
                Authentication = method,
                JwtAlgorithm = algorithm,
                Scope = scope(OAuthFlow.NormalizeScope(reader.OptionalString("scope"))),
                AuthorizationParameters = custom,
                TokenParameters = custom, // Logto sends customConfig with both requests
            };
    }

    /// <summary>An optional object of strings, e.g. <c>customConfig</c>.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> StringMap(ConfigReader reader, JsonElement parent, string name, string path)
    {
        var map = new List<KeyValuePair<string, string>>();
        if (reader.OptionalObject(parent, name, path) is not { } obj)
        {
            return map;
        }

        foreach (var (key, _) in reader.Properties(obj, path))
        {
            if (reader.OptionalString(obj, key, ConfigReader.PathOf(path, key)) is { } value)
            {
                map.Add(new(key, value));
            }
        }

        return map;
    }

    /// <summary>A boolean of the config's root (<see cref="ConfigReader.OptionalBoolean"/>).</summary>
    public static bool Flag(ConfigReader reader, string name, bool fallback) => reader.OptionalBoolean(reader.Root, name, name, fallback);

    /// <summary>A duration as jose writes it: seconds as a number, or a string such as <c>30</c>, <c>30s</c>,
    /// <c>5 minutes</c>, <c>1h</c>, <c>1 day</c>.</summary>
    public static TimeSpan? Duration(ConfigReader reader, JsonElement parent, string name, string path)
    {
        if (!reader.TryGetField(parent, name, path, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && number is >= 0 and <= 31_536_000)
        {
            return TimeSpan.FromSeconds(number);
        }

        var text = value.ValueKind == JsonValueKind.String ? reader.OptionalString(parent, name, path)?.Trim() : null;
        var digits = text?.TakeWhile(c => char.IsAsciiDigit(c) || c == '.').Count() ?? 0;
        if (text is not null && digits > 0 && double.TryParse(text[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount <= 31_536_000)
        {
            var unit = text[digits..].Trim().ToLowerInvariant();
            double? seconds = unit switch
            {
                "" or "s" or "sec" or "secs" or "second" or "seconds" => amount,
                "m" or "min" or "mins" or "minute" or "minutes" => amount * 60,
                "h" or "hr" or "hrs" or "hour" or "hours" => amount * 3600,
                "d" or "day" or "days" => amount * 86400,
                _ => null,
            };
            if (seconds is { } s && s <= 31_536_000)
            {
                return TimeSpan.FromSeconds(s);
            }
        }

        reader.AddError(path, "must be seconds (a number) or a duration such as \"30s\", \"5 minutes\" or \"1h\", at most a year");
        return null;
    }

    /// <summary>One string, or an array of strings (jose's <c>issuer</c>, <c>algorithms</c>).</summary>
    public static IReadOnlyList<string>? StringOrArray(ConfigReader reader, JsonElement parent, string name, string path)
    {
        if (!reader.TryGetField(parent, name, path, out var value))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return reader.OptionalString(parent, name, path) is { } one ? [one.Trim()] : null;
        }

        var items = new List<string>();
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (item.GetTextOrNull() is not { } text)
                {
                    reader.AddError(path, "must be a string or an array of strings");
                    return null;
                }

                items.Add(text.Trim());
            }

            return items.Count > 0 ? items : null;
        }

        reader.AddError(path, "must be a string or an array of strings");
        return null;
    }

    private static void Literal(ConfigReader reader, string name, string expected)
    {
        if (reader.OptionalString(name) is { } value && value.Trim() != expected)
        {
            reader.AddError(name, $"must be {expected} (the only value supported)");
        }
    }

    private static T Fail<T>(ConfigReader reader, string path, string message)
        where T : struct
    {
        reader.AddError(path, message);
        return default;
    }
}
