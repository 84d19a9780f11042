using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace Connectors.OAuth;

/// <summary>The <c>client_secret_jwt</c> assertion (RFC 7523, OpenID Connect Core 9): iss = sub = client id, aud =
/// the token endpoint, a fresh jti, iat now and exp in 10 minutes (as Logto), HMAC-signed with the client secret.</summary>
internal static class ClientSecretJwt
{
    public static string Create(string clientId, string secret, string algorithm, Uri tokenEndpoint, DateTimeOffset now)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("alg", algorithm);
            writer.WriteString("typ", "JWT");
            writer.WriteEndObject();
        }

        var header = Base64UrlEncoder.Encode(buffer.ToArray());
        buffer.SetLength(0);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("iss", clientId);
            writer.WriteString("sub", clientId);
            writer.WriteString("aud", tokenEndpoint.AbsoluteUri);
            writer.WriteString("jti", Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)));
            writer.WriteNumber("iat", now.ToUnixTimeSeconds());
            writer.WriteNumber("exp", now.AddMinutes(10).ToUnixTimeSeconds());
            writer.WriteEndObject();
        }

        var signingInput = $"{header}.{Base64UrlEncoder.Encode(buffer.ToArray())}";
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.ASCII.GetBytes(signingInput);
        var signature = algorithm switch
        {
            "HS384" => HMACSHA384.HashData(key, data),
            "HS512" => HMACSHA512.HashData(key, data),
            _ => HMACSHA256.HashData(key, data),
        };
        return $"{signingInput}.{Base64UrlEncoder.Encode(signature)}";
    }
}
