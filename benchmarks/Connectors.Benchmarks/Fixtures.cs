using System.Text.Json;
using Connectors.Abstractions;
using Connectors.GitHub;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.OAuth;
using Connectors.SendGrid;
using Connectors.WeCom;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Benchmarks;

/// <summary>The connectors as a host builds them (DI, registry), over the canned handler.</summary>
public static class Fixtures
{
    public const string WeComConfig = """{ "corpId": "ww-corp-1", "agentId": "1000002", "secret": "wecom-secret-S3CR3T" }""";
    // Token + userinfo, as the raw baseline (openid would add an ID token check the baseline does not do).
    public const string HuggingFaceConfig = """{ "clientId": "hf-client-1", "clientSecret": "hf-secret-S3CR3T", "scope": "profile email" }""";

    public const string OAuth2Config = """
        { "authorizationEndpoint": "https://provider.test/oauth2/authorize", "tokenEndpoint": "https://provider.test/oauth2/token",
          "userInfoEndpoint": "https://provider.test/oauth2/user", "clientId": "oauth2-client", "clientSecret": "oauth2-secret-S3CR3T",
          "profileMap": { "id": "user.id", "name": "profile.display_name", "email": "emails.0.value", "avatar": "profile.avatar_url" } }
        """;

    public const string OidcConfig = """
        { "authorizationEndpoint": "https://provider.test/oidc/authorize", "tokenEndpoint": "https://provider.test/oidc/token",
          "clientId": "oidc-client", "clientSecret": "oidc-secret-S3CR3T",
          "idTokenVerificationConfig": { "jwksUri": "https://provider.test/oidc/jwks", "issuer": "https://provider.test/oidc" } }
        """;

    public static string MailgunConfig(string deliveries) => $$"""
        { "endpoint": "https://provider.test", "domain": "example.com", "apiKey": "mailgun-key-S3CR3T",
          "from": "Example <noreply@example.com>", "deliveries": {{deliveries}} }
        """;

    public const string GitHubConfig = """{ "clientId": "gh-client-1", "clientSecret": "gh-secret-S3CR3T" }""";

    public const string SendGridConfig = """
        { "apiKey": "SG.sendgrid-key-S3CR3T", "fromEmail": "noreply@example.com", "fromName": "Example",
          "templates": [ { "usageType": "SignIn", "type": "text/html", "subject": "Your code is {{code}}", "content": "<p>Your sign-in code is <b>{{code}}</b>. It expires in 10 minutes.</p>" } ] }
        """;

    public const string HtmlDeliveries = """{ "SignIn": { "subject": "Your code is {{code}}", "html": "<p>Your sign-in code is <b>{{code}}</b>. It expires in 10 minutes.</p>" } }""";
    public const string TemplateDeliveries = """{ "SignIn": { "template": "verification", "subject": "Your code is {{code}}", "variables": { "brand": "Example" } } }""";

    public static ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddConnectors()
            .AddWeCom(o => o.ApiBaseAddress = CannedProvider.BaseAddress)
            .AddHuggingFace(o => o.BaseAddress = CannedProvider.BaseAddress)
            .AddMailgun(o => o.AllowedEndpoints.Add(CannedProvider.BaseAddress))
            .AddGitHub(o => o.BaseAddress = CannedProvider.BaseAddress)
            .AddSendGrid(o => o.BaseAddress = CannedProvider.BaseAddress)
            .AddOAuth2()
            .AddOidc();
        foreach (var name in new[] { WeComConnectorFactory.HttpClientName, HuggingFaceConnectorFactory.HttpClientName, MailgunConnectorFactory.HttpClientName, GitHubConnectorFactory.HttpClientName, SendGridConnectorFactory.HttpClientName, OAuth2ConnectorFactory.HttpClientName, OidcConnectorFactory.HttpClientName })
        {
            services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler(() => new CannedProvider());
        }

        return services.BuildServiceProvider();
    }

    public static T Create<T>(this IServiceProvider services, string id, string json)
        where T : IConnector
    {
        using var document = JsonDocument.Parse(json);
        return (T)services.GetRequiredService<IConnectorRegistry>().Create(id, document.RootElement);
    }
}
