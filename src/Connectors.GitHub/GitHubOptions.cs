using Connectors.Abstractions.Providers;

namespace Connectors.GitHub;

/// <summary>Host-level GitHub settings (not part of a tenant's config).</summary>
public sealed class GitHubOptions : ProviderOptions
{
    /// <summary>Where users sign in: <c>https://github.com</c> (default) or a GitHub Enterprise Server such as
    /// <c>https://github.example.com</c>, whose REST API is at <c>/api/v3</c>.</summary>
    public Uri BaseAddress { get; set; } = new("https://github.com");

    /// <summary>The REST API: <c>https://api.github.com</c> on github.com, <c>{BaseAddress}/api/v3</c> on GitHub Enterprise Server.</summary>
    internal Uri Api => BaseAddress.Host == "github.com" ? new Uri("https://api.github.com") : ProviderEndpoint.Combine(BaseAddress, "api/v3");

    /// <inheritdoc/>
    protected override void Validate(string name, ICollection<string> problems)
    {
        OptionsChecks.AbsoluteUri(BaseAddress, $"{name}.BaseAddress", problems, carriesCredentials: true);
        base.Validate(name, problems);
    }
}
