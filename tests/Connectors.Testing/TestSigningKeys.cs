using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Connectors.Testing;

/// <summary>RSA keys a fake provider signs ID tokens with, and the JWKS it publishes.</summary>
public sealed class TestSigningKeys : IDisposable
{
    private readonly Dictionary<string, RSA> _keys = new(StringComparer.Ordinal);

    /// <summary>Creates a key set holding one key per id.</summary>
    public TestSigningKeys(params string[] keyIds)
    {
        foreach (var id in keyIds)
        {
            _keys[id] = RSA.Create(2048);
        }
    }

    /// <summary>The JWKS of the keys named (all when none is), as a JSON string.</summary>
    public string Jwks(params string[] keyIds)
    {
        var keys = (keyIds.Length == 0 ? [.. _keys.Keys] : keyIds).Select(id =>
        {
            var parameters = _keys[id].ExportParameters(includePrivateParameters: false);
            return new Dictionary<string, string>
            {
                ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = id,
                ["n"] = Base64UrlEncoder.Encode(parameters.Modulus), ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
            };
        });
        return JsonSerializer.Serialize(new { keys });
    }

    /// <summary>A JWT of <paramref name="claimsJson"/> signed RS256 with the key <paramref name="keyId"/> (its kid in the header).</summary>
    public string Sign(string claimsJson, string keyId, string algorithm = SecurityAlgorithms.RsaSha256) =>
        new JsonWebTokenHandler().CreateToken(claimsJson, new SigningCredentials(new RsaSecurityKey(_keys[keyId]) { KeyId = keyId }, algorithm));

    /// <summary>A JWT as <see cref="Sign(string, string, string)"/> whose header also carries <paramref name="header"/>.</summary>
    public string Sign(string claimsJson, string keyId, IDictionary<string, object> header) =>
        new JsonWebTokenHandler().CreateToken(claimsJson, new SigningCredentials(new RsaSecurityKey(_keys[keyId]) { KeyId = keyId }, SecurityAlgorithms.RsaSha256), header);

    /// <summary>A JWT signed with a key that is not in any JWKS but claims the id <paramref name="keyId"/>.</summary>
    public static string SignWithForeignKey(string claimsJson, string keyId)
    {
        using var foreign = RSA.Create(2048);
        return new JsonWebTokenHandler().CreateToken(claimsJson, new SigningCredentials(new RsaSecurityKey(foreign) { KeyId = keyId }, SecurityAlgorithms.RsaSha256));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }
}
