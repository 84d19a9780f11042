using System.Text.Json;
using Connectors.Abstractions;

namespace QuickStart;

/// <summary>A connector without ASP.NET Core: what the authentication scheme does for you.</summary>
public static class DirectUse
{
    /// <summary>Step 1: where to send the browser. Keep the redirect's <c>Session</c> and the state confidential (a
    /// protected cookie, a server-side store) until the callback.</summary>
    public static ValueTask<AuthorizationRedirect> StartAsync(IConnectorRegistry registry, JsonElement tenantConfig, string state, string? userAgent)
    {
        var wecom = registry.Create<ISocialConnector>("wecom-universal", tenantConfig);
        return wecom.GetAuthorizationUriAsync(
            new AuthorizationRequest(state, new Uri("https://id.example.com/callback/wecom")) { UserAgent = userAgent });
    }

    /// <summary>Step 2, on the callback, once its state matched the one sent: the user (Id, Name, Email, Phone in
    /// E.164, AvatarUrl, RawData, Tokens).</summary>
    public static Task<SocialUserInfo> FinishAsync(IConnectorRegistry registry, JsonElement tenantConfig, string callbackQuery, IReadOnlyDictionary<string, string> session)
    {
        var wecom = registry.Create<ISocialConnector>("wecom-universal", tenantConfig);
        return wecom.GetUserInfoAsync(SocialCallback.FromQueryString(callbackQuery, session));
    }
}
