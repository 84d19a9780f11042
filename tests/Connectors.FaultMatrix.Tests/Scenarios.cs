using Connectors.GitHub;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.SendGrid;
using Connectors.WeCom;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.FaultMatrix.Tests;

/// <summary>What a scenario did: the user or message id on success, and the secrets it must never show.</summary>
public sealed record ScenarioOutcome(SocialUserInfo? User);

/// <summary>Drives one provider's whole operation (a sign-in or a send) against WireMock's contract mappings.</summary>
public static class Scenarios
{
    public static readonly IReadOnlyDictionary<string, string[]> Contracts = new Dictionary<string, string[]>
    {
        ["wecom"] = ["wecom/gettoken.json", "wecom/getuserinfo.json", "wecom/user-get.json", "wecom/getuserdetail.json"],
        ["huggingface"] = ["huggingface/token.json", "huggingface/userinfo.json"],
        ["mailgun"] = ["mailgun/messages.json"],
        ["sendgrid"] = ["sendgrid/mail-send.json"],
        ["github"] = ["github/oauth.json"],
    };

    /// <summary>Values that must never appear in an exception or a log line, by provider.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Secrets = new Dictionary<string, string[]>
    {
        ["wecom"] = ["wecom-secret-S3CR3T", "wecom-token-ACCESS1", "ticket-T1CKET", "code-member-ticket"],
        ["huggingface"] = ["hf-secret-S3CR3T", "hf_oauth_ACCESS1", "hf_oauth_REFRESH1", "hf-code-GOOD", "aGYtY2xpZW50LTE6aGYtc2VjcmV0LVMzQ1IzVA=="],
        ["mailgun"] = ["mailgun-key-S3CR3T", "483920", "YXBpOm1haWxndW4ta2V5LVMzQ1IzVA=="],
        ["sendgrid"] = ["SG.sendgrid-key-S3CR3T", "483920"],
        ["github"] = ["gh-secret-S3CR3T", "gho_ACCESS1", "gh-code-GOOD"],
    };

    /// <param name="host">What the host adds to the services (its own HTTP handlers), after the connectors.</param>
    public static ServiceProvider Services(Uri wireMock, FakeLoggerProvider logs, (TimeSpan Attempt, TimeSpan Overall) timeouts, Action<IServiceCollection>? host = null) => ConnectorHost.Build(logs, b =>
    {
        void Http(ConnectorHttpOptions o)
        {
            o.AttemptTimeout = timeouts.Attempt;
            o.OverallTimeout = timeouts.Overall;
            o.MaxRetryAttempts = FaultMatrix.Retries;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(50);
        }

        b.AddWeCom(o =>
        {
            o.ApiBaseAddress = wireMock;
            Http(o.Http);
        });
        b.AddHuggingFace(o =>
        {
            o.BaseAddress = wireMock;
            Http(o.Http);
        });
        b.AddMailgun(o =>
        {
            o.AllowedEndpoints.Add(wireMock);
            Http(o.Http);
        });
        b.AddSendGrid(o =>
        {
            o.BaseAddress = wireMock;
            Http(o.Http);
        });
        b.AddGitHub(o =>
        {
            o.BaseAddress = wireMock; // a GitHub Enterprise Server: its API under /api/v3
            Http(o.Http);
        });
        host?.Invoke(b.Services);
    });

    /// <summary>
    /// Creates the provider's connector and does everything before the provider call under test (connector creation,
    /// template compilation, the authorization URL), and returns the call itself, so that a test can time only it.
    /// </summary>
    public static async Task<Func<Task<ScenarioOutcome>>> PrepareAsync(string provider, IServiceProvider services, Uri wireMock)
    {
        switch (provider)
        {
            case "wecom":
            {
                var connector = services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, """{ "corpId": "ww-corp-1", "agentId": "1000002", "secret": "wecom-secret-S3CR3T" }""");
                return async () => new(await connector.GetUserInfoAsync(SocialCallback.FromQueryString("code=code-member-ticket&state=s")));
            }

            case "huggingface":
            {
                var connector = services.Create<ISocialConnector>(HuggingFaceConnectorFactory.ConnectorId, """{ "clientId": "hf-client-1", "clientSecret": "hf-secret-S3CR3T", "scope": "profile email" }""");
                var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state1", new Uri("https://id.example.com/cb")));
                return async () => new(await connector.GetUserInfoAsync(SocialCallback.FromQueryString("code=hf-code-GOOD&state=state1", redirect.Session)));
            }

            case "mailgun":
            {
                var connector = services.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, $$$"""
                    { "endpoint": "{{{wireMock.AbsoluteUri}}}", "domain": "example.com", "apiKey": "mailgun-key-S3CR3T", "from": "noreply@example.com",
                      "deliveries": { "Generic": { "subject": "Code {{code}}", "html": "<p>{{code}}</p>" } } }
                    """);
                var message = new EmailMessage("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "483920" });
                return async () =>
                {
                    await connector.SendAsync(message);
                    return new(null);
                };
            }

            case "sendgrid":
            {
                var connector = services.Create<IEmailConnector>(SendGridConnectorFactory.ConnectorId, """
                    { "apiKey": "SG.sendgrid-key-S3CR3T", "fromEmail": "noreply@example.com",
                      "templates": [ { "usageType": "Generic", "type": "text/html", "subject": "Code {{code}}", "content": "<p>{{code}}</p>" } ] }
                    """);
                var message = new EmailMessage("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "483920" });
                return async () =>
                {
                    await connector.SendAsync(message);
                    return new(null);
                };
            }

            case "github":
            {
                var connector = services.Create<ISocialConnector>(GitHubConnectorFactory.ConnectorId, """{ "clientId": "gh-client-1", "clientSecret": "gh-secret-S3CR3T" }""");
                var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("state1", new Uri("https://id.example.com/cb")));
                return async () => new(await connector.GetUserInfoAsync(SocialCallback.FromQueryString("code=gh-code-GOOD&state=state1", redirect.Session)));
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "No scenario for this provider.");
        }
    }
}
