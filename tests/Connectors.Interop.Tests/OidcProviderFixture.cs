namespace Connectors.Interop.Tests;

/// <summary>One OpenID Provider for the connector tests, with a client per client-authentication method.</summary>
public sealed class OidcProviderFixture : IAsyncLifetime
{
    /// <summary>Where the provider sends the browser back; nothing listens there: the tests read the redirect.</summary>
    public static readonly Uri RedirectUri = new("http://127.0.0.1:9/signin-oidc");

    public static readonly OidcClient[] Clients =
    [
        new("client-basic", "basic-secret-S3CR3T-0123456789abcdef0123456789", "client_secret_basic", RedirectUri.AbsoluteUri),
        new("client-post", "post-secret-S3CR3T-0123456789abcdef0123456789ab", "client_secret_post", RedirectUri.AbsoluteUri),
        new("client-jwt", "jwt-secret-S3CR3T-0123456789abcdef0123456789abc", "client_secret_jwt", RedirectUri.AbsoluteUri),
    ];

    public OidcProviderServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await OidcProviderServer.StartAsync(Clients);

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class OidcProviderCollection : ICollectionFixture<OidcProviderFixture>
{
    public const string Name = "oidc-provider";
}
