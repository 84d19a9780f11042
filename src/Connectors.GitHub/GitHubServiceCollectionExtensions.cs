using Connectors.GitHub;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the GitHub connector.</summary>
public static class GitHubServiceCollectionExtensions
{
    /// <summary>Registers the <c>github-universal</c> factory and its named <see cref="HttpClient"/>, which sends the
    /// <c>User-Agent</c> GitHub's API requires; <see cref="GitHubOptions"/> are validated at host start. Safe to call
    /// more than once; each <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddGitHub(this ConnectorsBuilder builder, Action<GitHubOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<GitHubConnectorFactory, GitHubOptions>(GitHubConnectorFactory.HttpClientName, configure)
            .ConfigureHttpClient(client => client.DefaultRequestHeaders.UserAgent.TryParseAdd("Connectors.GitHub"));
        return builder;
    }
}
