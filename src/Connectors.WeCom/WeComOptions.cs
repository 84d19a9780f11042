using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.WeCom;

/// <summary>Which page a browser outside the WeCom client is sent to.</summary>
public enum WeComBrowserLogin
{
    /// <summary>The current WeCom web login, <c>login.work.weixin.qq.com/wwlogin/sso/login</c> (default).</summary>
    WebLogin,

    /// <summary>The legacy QR login <c>open.work.weixin.qq.com/wwopen/sso/qrConnect</c> that Logto uses.</summary>
    LegacyQrConnect,
}

/// <summary>Host-level WeCom settings (not part of a tenant's config).</summary>
public sealed class WeComOptions : ProviderOptions
{
    /// <summary>The server API base. Default <c>https://qyapi.weixin.qq.com</c>.</summary>
    public Uri ApiBaseAddress { get; set; } = new("https://qyapi.weixin.qq.com");

    /// <summary>The in-client OAuth page. Default <c>https://open.weixin.qq.com/connect/oauth2/authorize</c>.</summary>
    public Uri InClientAuthorizeEndpoint { get; set; } = new("https://open.weixin.qq.com/connect/oauth2/authorize");

    /// <summary>The browser login page. Default <c>https://login.work.weixin.qq.com/wwlogin/sso/login</c>.</summary>
    public Uri WebLoginEndpoint { get; set; } = new("https://login.work.weixin.qq.com/wwlogin/sso/login");

    /// <summary>The legacy QR login page. Default <c>https://open.work.weixin.qq.com/wwopen/sso/qrConnect</c>.</summary>
    public Uri LegacyQrConnectEndpoint { get; set; } = new("https://open.work.weixin.qq.com/wwopen/sso/qrConnect");

    /// <summary>Which browser login page to use. Default <see cref="WeComBrowserLogin.WebLogin"/>.</summary>
    public WeComBrowserLogin BrowserLogin { get; set; } = WeComBrowserLogin.WebLogin;

    /// <summary>The <c>lang</c> of the browser login page (<c>zh</c> or <c>en</c>); not sent when null (default).</summary>
    public string? Lang { get; set; }

    /// <summary>
    /// The app access-token cache: refresh margin (default 5 minutes), capacity (default 1,024 apps), sharing between
    /// instances (always with <c>UseRedis</c>, where one instance calls gettoken for all; through the registered
    /// <c>IDistributedCache</c> when <see cref="ApplicationTokenCacheOptions.UseDistributedCache"/>; failures, a 1 s
    /// budget overrun or an unusable entry count as misses and never fail a sign-in), and how long a configuration
    /// error from gettoken is remembered (default 30 s).
    /// </summary>
    public ApplicationTokenCacheOptions TokenCache { get; set; } = new();


    /// <inheritdoc/>
    protected override void Validate(string name, ICollection<string> problems)
    {
        OptionsChecks.AbsoluteUri(ApiBaseAddress, $"{name}.ApiBaseAddress", problems, carriesCredentials: true);
        OptionsChecks.AbsoluteUri(InClientAuthorizeEndpoint, $"{name}.InClientAuthorizeEndpoint", problems);
        OptionsChecks.AbsoluteUri(WebLoginEndpoint, $"{name}.WebLoginEndpoint", problems);
        OptionsChecks.AbsoluteUri(LegacyQrConnectEndpoint, $"{name}.LegacyQrConnectEndpoint", problems);
        if (!Enum.IsDefined(BrowserLogin))
        {
            problems.Add($"{name}.BrowserLogin must be WebLogin or LegacyQrConnect (was {(int)BrowserLogin}).");
        }

        if (Lang is { } lang && lang is not ("zh" or "en"))
        {
            problems.Add($"{name}.Lang must be zh, en or null.");
        }

        base.Validate(name, problems);
        OptionsChecks.TokenCache(TokenCache, $"{name}.TokenCache", problems);
    }
}
