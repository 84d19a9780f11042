using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Options;

namespace Connectors.WeCom;

/// <summary>Validates <see cref="WeComOptions"/> (registered by <c>AddWeCom</c>, run at host start).</summary>
internal sealed class WeComOptionsValidator : IValidateOptions<WeComOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, WeComOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        OptionsChecks.AbsoluteUri(options.ApiBaseAddress, "WeComOptions.ApiBaseAddress", problems, carriesCredentials: true);
        OptionsChecks.AbsoluteUri(options.InClientAuthorizeEndpoint, "WeComOptions.InClientAuthorizeEndpoint", problems);
        OptionsChecks.AbsoluteUri(options.WebLoginEndpoint, "WeComOptions.WebLoginEndpoint", problems);
        OptionsChecks.AbsoluteUri(options.LegacyQrConnectEndpoint, "WeComOptions.LegacyQrConnectEndpoint", problems);
        if (!Enum.IsDefined(options.BrowserLogin))
        {
            problems.Add($"WeComOptions.BrowserLogin must be WebLogin or LegacyQrConnect (was {(int)options.BrowserLogin}).");
        }

        if (options.Lang is { } lang && lang is not ("zh" or "en"))
        {
            problems.Add("WeComOptions.Lang must be zh, en or null.");
        }

        OptionsChecks.Http(options.Http, "WeComOptions.Http", problems);
        OptionsChecks.TokenCache(options.TokenCache, "WeComOptions.TokenCache", problems);
        return OptionsChecks.Result(problems);
    }
}
