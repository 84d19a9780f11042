using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.WeCom;

/// <summary>WeCom's <c>errcode</c> (HTTP 200 with a non-zero errcode) mapped to connector failures, in one place.</summary>
internal static class WeComErrors
{
    /// <summary>Reads a WeCom response: null when it is accepted (or when the shared layer's mapping applies).</summary>
    /// <remarks>
    /// WeCom answers errors with HTTP 200 and an errcode; a 401 or 403 comes from WeCom's gateway or a proxy. At
    /// gettoken (which carries no token) it means the credentials or this server were refused: <see cref="ConnectorErrorCode.InvalidConfig"/>.
    /// At the calls that carry the access token, a 401 means the token was rejected: <see cref="ConnectorErrorCode.SocialAccessTokenInvalid"/>
    /// (as Logto), which refreshes the token and retries once; a 403 is a refusal of this server, <see cref="ConnectorErrorCode.General"/>.
    /// </remarks>
    public static ProviderFailure? Inspect(ProviderResponse response, bool isGetToken, bool consumesCode)
    {
        if (!response.IsSuccessStatusCode)
        {
            return response.StatusCode switch
            {
                401 or 403 when isGetToken => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"was refused with HTTP {response.StatusCode}: check the corpId and secret, and that this server may call qyapi.weixin.qq.com (trusted IPs, outbound proxy)"),
                401 => new ProviderFailure(ConnectorErrorCode.SocialAccessTokenInvalid, "rejected the access token (HTTP 401)"),
                403 => new ProviderFailure(ConnectorErrorCode.General, "was refused with HTTP 403: check that this server's IP is a trusted IP of the app (企业可信IP) and any outbound proxy"),
                _ => null, // the shared mapping: 429, 5xx (transient), others
            };
        }

        if (!response.TryGetJson(out var json))
        {
            return null; // a 2xx body that is not JSON: the shared mapping (InvalidResponse)
        }

        if (json.ValueKind != System.Text.Json.JsonValueKind.Object)
        {
            return new ProviderFailure(ConnectorErrorCode.InvalidResponse, "returned JSON that is not an object");
        }

        var errcode = json.GetInt64OrNull("errcode") ?? 0;
        if (errcode == 0)
        {
            return null;
        }

        var code = errcode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var errmsg = ShortMessage(json.GetStringOrNull("errmsg")) ?? "no errmsg";
        var said = $"returned errcode {code} ({errmsg})";
        var failure = errcode switch
        {
            40013 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}: the corpId is wrong; copy the CorpID from 我的企业 (My Company) in the WeCom admin console"),
            40001 or 40091 or 41004 when isGetToken => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}: the secret was rejected; copy the app's Secret from its page in the WeCom admin console (应用管理)"),
            60020 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}: this server's IP is not a trusted IP of the app; add it under 企业可信IP (trusted IPs) on the app's page"),
            50001 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}: the redirect URI's domain is not a trusted domain of the app; set the web authorization / WeCom login trusted domain (port included)"),
            40056 => new ProviderFailure(ConnectorErrorCode.InvalidConfig, $"{said}: the agentId is wrong; copy the AgentId from the app's page"),
            45009 or 45033 => new ProviderFailure(ConnectorErrorCode.RateLimitExceeded, $"{said}: WeCom's API frequency limit was hit; try again later"),
            -1 => new ProviderFailure(ConnectorErrorCode.General, $"{said}: WeCom is busy") { IsTransient = true },
            40001 or 40014 or 42001 => new ProviderFailure(ConnectorErrorCode.SocialAccessTokenInvalid, $"{said}: the access token is invalid or expired"),
            40029 or 40163 or 42003 when consumesCode => new ProviderFailure(ConnectorErrorCode.SocialAuthCodeInvalid, $"{said}: the authorization code is invalid, already used or expired (codes live 5 minutes); sign in again"),
            _ => new ProviderFailure(ConnectorErrorCode.General, said),
        };
        return failure with { ProviderErrorCode = code };
    }

    /// <summary>WeCom appends <c>, hint: [...], from ip: ..., more info at ...</c>; keep the text before it, made safe
    /// (<see cref="SafeText.FromProvider"/>).</summary>
    internal static string? ShortMessage(string? errmsg)
    {
        if (string.IsNullOrEmpty(errmsg))
        {
            return null;
        }

        var hint = errmsg.IndexOf(", hint:", StringComparison.Ordinal);
        return SafeText.FromProvider(hint >= 0 ? errmsg[..hint] : errmsg, 120);
    }
}
