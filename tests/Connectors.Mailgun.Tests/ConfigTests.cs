using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Mailgun.Tests;

[Collection(WireMockTest.Collection)]
public sealed class ConfigTests(WireMockFixture fixture) : MailgunTestBase(fixture)
{
    private MailgunConnectorFactory Factory() => Services().GetRequiredService<MailgunConnectorFactory>();

    private IReadOnlyList<ConfigError> Validate(string json) => Factory().Validate(ConnectorHost.Json(json));

    [Fact]
    public void Validation_lists_every_problem_with_its_path()
    {
        var errors = Validate("""
            {
              "endpoint": "https://evil.example.com",
              "domain": "https://example.com/",
              "from": "not an address",
              "deliveries": {
                "SignIn": { "html": "<p>{{code}}</p>", "template": "t" },
                "Register": { "text": "only text", "subject": "s" },
                "Generic": { "template": "t", "variables": "not an object" },
                "ForgotPassword": "nope",
                "BindMfa": { "html": "x", "locales": { "zh": { "subject": "no body" } } }
              }
            }
            """);

        errors.Select(e => e.ToString()).Should().Equal(
            "endpoint: must be an https Mailgun API host such as https://api.mailgun.net or https://api.eu.mailgun.net (no path), or an endpoint the host application allows",
            "domain: must be a bare domain such as mg.example.com (no scheme, port or slash)",
            "apiKey: is required",
            "from: must be 'Sender Name <sender@example.com>' or a bare address",
            "deliveries.SignIn: has both html and template; give one of them",
            "deliveries.Register: has only text; add html (the text part is sent with it) or use a stored Mailgun template",
            "deliveries.Generic.variables: must be a JSON object",
            "deliveries.ForgotPassword: must be a JSON object",
            "deliveries.BindMfa.locales.zh: needs html (optionally with text) or a stored Mailgun template; it has neither");
    }

    [Fact]
    public void Template_syntax_errors_are_reported_with_their_path()
    {
        var errors = Validate(Config("""{ "SignIn": { "subject": "ok", "html": "<p>{{#if code}}unclosed</p>" } }"""));

        errors.Should().ContainSingle().Which.Path.Should().Be("deliveries.SignIn.html");
    }

    [Theory]
    [InlineData("https://api.mailgun.net")]
    [InlineData("https://api.eu.mailgun.net/")]
    [InlineData("https://API.EU.MAILGUN.NET")]
    public void Mailgun_endpoints_are_accepted(string endpoint) =>
        Validate(Config("""{ "SignIn": { "html": "x" } }""", endpoint)).Should().BeEmpty();

    [Theory]
    [InlineData("https://evil.example.com")]
    [InlineData("https://api.mailgun.net.evil.com")]
    [InlineData("https://evil.com/api.mailgun.net")]
    [InlineData("https://evilmailgun.net")]
    [InlineData("http://api.mailgun.net")]
    [InlineData("https://api.mailgun.net:8443")]
    [InlineData("https://api.mailgun1.net")]
    [InlineData("https://user:pass@api.mailgun.net")]
    [InlineData("https://api.mailgun.net/v3")]
    [InlineData("https://api.mailgun.net?x=.mailgun.net")]
    [InlineData("not a url")]
    [InlineData("http://127.0.0.1:1")]
    public void Endpoints_outside_the_allow_list_are_rejected(string endpoint) =>
        Validate(Config("""{ "SignIn": { "html": "x" } }""", endpoint)).Should().ContainSingle().Which.Path.Should().Be("endpoint");

    [Fact]
    public void Logto_seed_config_is_accepted_as_is()
    {
        var errors = Validate("""
            {
              "domain": "example.com",
              "apiKey": "key",
              "from": "foo@example.com",
              "deliveries": {
                "SignIn": { "subject": "Logto sign-in template {{code}}", "html": "Your Logto sign-in verification code is {{code}}." },
                "Register": { "template": "register", "variables": { "foo": "bar" } },
                "ForgotPassword": { "html": "<b>{{code}}</b>", "text": "{{code}}" },
                "Generic": { "template": "generic" }
              }
            }
            """);

        errors.Should().BeEmpty();
    }

    [Fact]
    public void Create_with_an_invalid_config_names_the_problems_but_not_the_key()
    {
        var act = () => Factory().Create(ConnectorHost.Json("""{ "domain": "example.com", "apiKey": "key-S3CR3T", "from": "x", "deliveries": {} }"""));

        var error = act.Should().Throw<ConnectorException>().Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
        error.Message.Should().Contain("from: must be");
        SecretAssertions.Texts(error).ShouldNotContainAny("key-S3CR3T");
    }

    [Fact]
    public void Config_ToString_hides_the_api_key()
    {
        var connector = (MailgunEmailConnector)Connector("""{ "SignIn": { "html": "x" } }""");

        connector.Config.ToString().Should().Contain("example.com").And.Contain("SignIn").And.NotContain(ApiKey);
    }

    [Fact]
    public void Metadata_has_a_usable_default_deliveries_value()
    {
        var metadata = Factory().Metadata;

        metadata.Should().BeEquivalentTo(new { Id = "mailgun-email", Target = "mailgun-email", Type = ConnectorType.Email });
        metadata.FormItems.Select(f => f.Key).Should().Equal("endpoint", "domain", "apiKey", "from", "deliveries");
        metadata.FormItems.Single(f => f.IsConfidential).Key.Should().Be("apiKey");
        var defaults = metadata.FormItems.Single(f => f.Key == "deliveries").DefaultValue!.Value;
        defaults.EnumerateObject().Select(p => p.Name).Should().Equal("SignIn", "Register", "ForgotPassword", "Generic");
        Validate(Config(defaults.GetRawText())).Should().BeEmpty();
    }
}
