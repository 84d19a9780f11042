using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Connectors.Smtp.Tests;

/// <summary>Two real SMTP servers (aiosmtpd): one without TLS, one that requires STARTTLS.</summary>
public sealed class SmtpServers : IAsyncLifetime
{
    public SmtpServer Plain { get; private set; } = null!;

    public SmtpServer StartTls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Plain = await SmtpServer.StartAsync(startTls: false);
        StartTls = await SmtpServer.StartAsync(startTls: true);
    }

    public async Task DisposeAsync()
    {
        await Plain.DisposeAsync();
        await StartTls.DisposeAsync();
    }
}

public sealed class SmtpConnectorTests(SmtpServers servers) : IClassFixture<SmtpServers>, IDisposable
{
    private const string Code = "483920";
    private readonly FakeLoggerProvider _logs = new();
    private readonly List<ServiceProvider> _providers = [];
    private readonly ManualTimeProvider _time = new();

    // Logto's connector-smtp shape: contentType, nodemailer's auth, plus a localized HTML variant.
    private const string Templates = """
        [
          { "usageType": "SignIn", "contentType": "text/plain", "subject": "Logto SignIn Template", "content": "Your Logto sign-in verification code is {{code}}." },
          { "usageType": "Register", "contentType": "text/html", "subject": "Welcome", "content": "<p>Code <b>{{code}}</b> for {{user.name}}</p>" },
          { "usageType": "Register", "locale": "zh-CN", "contentType": "text/html", "subject": "欢迎", "content": "<p>验证码 {{code}}</p>" },
          { "usageType": "Generic", "contentType": "text/plain", "subject": "Your code", "content": "{{code}}" }
        ]
        """;

    public void Dispose()
    {
        _providers.ForEach(p => p.Dispose());
        servers.Plain.Clear();
        servers.StartTls.Clear();
    }

    private static string Config(SmtpServer server, string host = "127.0.0.1", string security = "\"ignoreTLS\": true", string password = SmtpServer.Password) => $$"""
        {
          "host": "{{host}}", "port": {{server.Port}}, {{security}},
          "auth": { "user": "{{SmtpServer.User}}", "pass": "{{password}}" },
          "fromEmail": "Example Sign-in <noreply@example.com>", "replyTo": "help@example.com",
          "templates": {{Templates}},
          "connectionTimeout": 120000, "logger": false
        }
        """;

    private ServiceProvider Services(Action<SmtpOptions>? configure = null)
    {
        var provider = ConnectorHost.Build(_logs, b => b.AddSmtp(o =>
        {
            o.AllowedHosts.Add("127.0.0.1");
            o.AllowedHosts.Add("localhost");
            // MailKit's socket timeout is a real timer: far longer than a loaded machine takes to answer on loopback.
            o.Http.AttemptTimeout = TimeSpan.FromMinutes(2);
            o.Http.OverallTimeout = TimeSpan.FromMinutes(5);
            configure?.Invoke(o);
        }), _time);
        _providers.Add(provider);
        return provider;
    }

    private IEmailConnector Connector(string config, Action<SmtpOptions>? configure = null) => Services(configure).Create<IEmailConnector>(SmtpConnectorFactory.ConnectorId, config);

    private static EmailMessage Message(UsageType type, string to = "ada@example.com", string? locale = null) =>
        new(to, type, new EmailPayload { Code = Code, Locale = locale, Extra = new JsonObject { ["user"] = new JsonObject { ["name"] = "Ada <admin>" } } });

    private static MimeMessage Parse(string raw) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw)));

    private async Task<ConnectorException> FailsAsync(IEmailConnector connector, EmailMessage message) =>
        (await FluentActions.Awaiting(() => connector.SendAsync(message)).Should().ThrowAsync<ConnectorException>()).Which;

    private void NoSecretAnywhere(ConnectorException error) =>
        SecretAssertions.Texts(error).Concat(_logs.AllText).ShouldNotContainAny(SmtpServer.Password, Code, "wrong-pass-S3CR3T");

    [Fact]
    public async Task A_Logto_config_sends_one_message_the_server_stores_as_composed()
    {
        var result = await Connector(Config(servers.Plain)).SendAsync(Message(UsageType.SignIn));

        var raw = servers.Plain.Messages().Should().ContainSingle().Subject;
        raw.Should().StartWith("X-Envelope-From: noreply@example.com\r\nX-Envelope-To: ada@example.com\r\n");
        var mail = Parse(raw);
        mail.From.ToString().Should().Be("\"Example Sign-in\" <noreply@example.com>");
        mail.To.ToString().Should().Be("ada@example.com");
        mail.ReplyTo.ToString().Should().Be("help@example.com");
        mail.Subject.Should().Be("Logto SignIn Template");
        mail.TextBody!.Trim().Should().Be($"Your Logto sign-in verification code is {Code}.");
        mail.HtmlBody.Should().BeNull();
        result.MessageId.Should().Be(mail.MessageId).And.EndWith("@example.com");
    }

    [Fact]
    public async Task Html_templates_are_escaped_and_locale_variants_chosen()
    {
        var connector = Connector(Config(servers.Plain));
        await connector.SendAsync(Message(UsageType.Register));
        await connector.SendAsync(Message(UsageType.Register, locale: "zh-CN"));

        var mails = servers.Plain.Messages().Select(Parse).ToList();
        mails.Should().HaveCount(2);
        (mails[0].Subject, mails[0].HtmlBody!.Trim()).Should().Be(("Welcome", $"<p>Code <b>{Code}</b> for Ada &lt;admin&gt;</p>"));
        (mails[1].Subject, mails[1].HtmlBody!.Trim()).Should().Be(("欢迎", $"<p>验证码 {Code}</p>"));
    }

    [Fact]
    public async Task STARTTLS_is_the_default_and_the_server_certificate_is_checked()
    {
        var server = servers.StartTls;
        var config = Config(server, host: "localhost", security: "\"secure\": false");
        var trusted = Connector(config, o => o.ServerCertificateValidation = (_, certificate, _, _) => certificate?.GetCertHashString() == server.Thumbprint);
        await trusted.SendAsync(Message(UsageType.Generic));
        Parse(server.Messages().Should().ContainSingle().Subject).TextBody!.Trim().Should().Be(Code);

        // The system does not trust the self-signed certificate: nothing is sent.
        var error = await FailsAsync(Connector(config), Message(UsageType.Generic));
        (error.Code, error.OutcomeUnknown).Should().Be((ConnectorErrorCode.InvalidConfig, false));
        error.Message.Should().Contain("could not set up TLS with localhost:");
        server.Messages().Should().ContainSingle();
        NoSecretAnywhere(error);
    }

    [Fact]
    public async Task A_server_without_STARTTLS_is_refused_unless_the_host_is_allowed_to_go_without()
    {
        var error = await FailsAsync(Connector(Config(servers.Plain, security: "\"requireTLS\": true")), Message(UsageType.SignIn));
        (error.Code, error.OutcomeUnknown).Should().Be((ConnectorErrorCode.InvalidConfig, false));
        servers.Plain.Messages().Should().BeEmpty();

        var factory = Services(o => o.AllowedHosts.Clear()).GetRequiredService<SmtpConnectorFactory>();
        factory.Validate(ConnectorHost.Json(Config(servers.Plain))).Select(e => e.ToString()).Should().Equal(
            "ignoreTLS: would send the password and the code unencrypted; only a host SmtpOptions.AllowedHosts lists may be used without TLS");
    }

    [Fact]
    public async Task A_host_that_is_not_public_is_refused_before_anything_is_sent()
    {
        var connector = Connector(Config(servers.StartTls, host: "localhost", security: "\"secure\": false"), o => o.AllowedHosts.Clear());

        var error = await FailsAsync(connector, Message(UsageType.SignIn));
        (error.Code, error.OutcomeUnknown).Should().Be((ConnectorErrorCode.InvalidConfig, false));
        error.Message.Should().Contain("A config may name public hosts only");
        servers.StartTls.Messages().Should().BeEmpty();
    }

    [Fact]
    public async Task A_refused_login_is_a_config_error_that_never_shows_the_password()
    {
        var error = await FailsAsync(Connector(Config(servers.Plain, password: "wrong-pass-S3CR3T")), Message(UsageType.SignIn));
        (error.Code, error.OutcomeUnknown).Should().Be((ConnectorErrorCode.InvalidConfig, false));
        error.Message.Should().Contain("was refused the login");
        NoSecretAnywhere(error);
    }

    [Theory]
    [InlineData("reject@example.com", ConnectorErrorCode.InvalidRequestParameters, "550")]
    [InlineData("full@example.com", ConnectorErrorCode.General, "452")]
    public async Task A_refused_recipient_or_message_is_not_sent_and_not_repeated(string to, ConnectorErrorCode expected, string reply)
    {
        var error = await FailsAsync(Connector(Config(servers.Plain)), Message(UsageType.SignIn, to));
        (error.Code, error.ProviderErrorCode, error.OutcomeUnknown).Should().Be((expected, reply, false));
        servers.Plain.Messages().Should().BeEmpty();
        NoSecretAnywhere(error);
    }

    [Fact]
    public async Task A_connection_lost_after_DATA_is_possibly_sent_and_never_repeated()
    {
        var error = await FailsAsync(Connector(Config(servers.Plain)), Message(UsageType.SignIn, "drop@example.com"));
        (error.Code, error.OutcomeUnknown).Should().Be((ConnectorErrorCode.General, true));
        error.Message.Should().Contain("it may have been sent");
        servers.Plain.Messages().Should().ContainSingle("the server had stored it");
        NoSecretAnywhere(error);
    }

    [Fact]
    public async Task A_server_that_never_answers_DATA_times_out_on_the_clock_as_possibly_sent()
    {
        var connector = Connector(Config(servers.Plain), o =>
        {
            o.Http.AttemptTimeout = TimeSpan.FromMinutes(30); // MailKit's own socket timeout runs on real time: far away
            o.Http.OverallTimeout = TimeSpan.FromMinutes(10);
        });

        var send = connector.SendAsync(Message(UsageType.SignIn, "slow@example.com"));
        while (servers.Plain.Messages().Count == 0)
        {
            send.IsCompleted.Should().BeFalse("the server holds its answer for an hour");
            await Task.Delay(50);
        }

        _time.Advance(TimeSpan.FromMinutes(11));
        var error = (await FluentActions.Awaiting(() => send).Should().ThrowAsync<ConnectorException>()).Which;
        (error.Code, error.OutcomeUnknown).Should().Be((ConnectorErrorCode.General, true));
        error.Message.Should().Contain("did not complete within 600 s").And.Contain("may have been sent");
        servers.Plain.Messages().Should().ContainSingle();
    }

    [Fact]
    public void Config_problems_are_listed_with_their_paths_and_the_password_never_prints()
    {
        var factory = Services().GetRequiredService<SmtpConnectorFactory>();
        factory.Validate(ConnectorHost.Json("""
            { "host": "smtp://mail.example.com", "port": 0, "auth": { "type": "OAuth2", "user": "u" }, "fromEmail": "not an address", "templates": [] }
            """)).Select(e => e.ToString()).Should().Equal(
                "host: must be a host name or an IP address, without scheme or port",
                "port: must be a whole number from 1 to 65535",
                "auth.type: must be login: OAuth2 is not supported (use the provider's app password)",
                "auth.pass: is required",
                "fromEmail: must be 'Sender Name <sender@example.com>' or a bare address");
        factory.Validate(ConnectorHost.Json("""{ "host": "mail.example.com", "fromEmail": "a@example.com", "templates": [] }""")).Select(e => e.ToString())
            .Should().Equal("auth: is required");
        var config = factory.ParseConfig(ConnectorHost.Json(Config(servers.Plain)));
        (config.Port, config.Security).Should().Be((servers.Plain.Port, MailKit.Security.SecureSocketOptions.None));
        config.ToString().Should().NotContain(SmtpServer.Password);
        factory.ParseConfig(ConnectorHost.Json("""{ "host": "smtp.example.com", "secure": "true", "auth": { "user": "u", "pass": "p" }, "fromEmail": "a@example.com", "templates": [ { "usageType": "Generic", "contentType": "text/plain", "subject": "s", "content": "c" } ] }"""))
            .Should().Match<SmtpConfig>(c => c.Port == 465 && c.Security == MailKit.Security.SecureSocketOptions.SslOnConnect);
    }
}
