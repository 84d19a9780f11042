using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connectors.Abstractions.Tests.Email;

/// <summary>The email engine every email connector sits on: reading deliveries (Mailgun's keyed map) and Logto's
/// template list (SendGrid, SMTP), then composing one message. Each provider's own tests cover its send call.</summary>
public sealed class EmailEngineTests
{
    private static readonly EmailDeliveryFields Fields = new("TestMail");

    private static readonly ProviderHttpClient Http = new(
        "TestMail",
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>(),
        "test",
        new ConnectorHttpOptions(),
        NullLogger.Instance);

    private static (EmailDeliveries? Deliveries, IReadOnlyList<ConfigError> Errors) Read(string json, EmailDeliveryFields? fields = null)
    {
        var reader = new ConfigReader(ConnectorHost.Json(json));
        var deliveries = EmailDeliveries.Read(reader, fields ?? Fields);
        return (deliveries, reader.Errors);
    }

    private static (EmailDeliveries? Deliveries, IReadOnlyList<ConfigError> Errors) ReadTemplates(string json, EmailDeliveryFields? fields = null)
    {
        var reader = new ConfigReader(ConnectorHost.Json(json));
        var deliveries = EmailDeliveries.ReadTemplates(reader, fields ?? Fields);
        return (deliveries, reader.Errors);
    }

    private static ComposedEmail Compose(EmailDeliveries deliveries, UsageType type, EmailPayload? payload = null, string to = "ada@example.com") =>
        EmailComposer.Compose(new EmailMessage(to, type, payload ?? new EmailPayload { Code = "483920" }), deliveries, Fields, Http);

    [Fact]
    public void Deliveries_are_read_by_usage_type_with_locales_and_fall_back_to_Generic()
    {
        var (deliveries, errors) = Read("""
            {
              "deliveries": {
                "SignIn": { "subject": "Code {{code}}", "html": "<b>{{code}}</b>", "text": "Code: {{code}}",
                            "locales": { "zh-CN": { "subject": "验证码 {{code}}", "html": "<b>验证码 {{code}}</b>" } } },
                "Generic": { "template": "generic-code", "variables": { "product": "Bookstore", "code": "never" } }
              }
            }
            """);
        errors.Should().BeEmpty();
        deliveries!.Keys.Should().BeEquivalentTo("SignIn", "Generic");

        var signIn = Compose(deliveries, UsageType.SignIn);
        (signIn.Subject, signIn.Html, signIn.Text, signIn.TemplateId).Should().Be(("Code 483920", "<b>483920</b>", "Code: 483920", (string?)null));

        var chinese = Compose(deliveries, UsageType.SignIn, new EmailPayload { Code = "1", UiLocales = "zh-CN en" });
        chinese.Subject.Should().Be("验证码 1", "without a locale the first UI locale chooses");
        chinese.Text.Should().BeNull("a variant is a whole delivery");
        Compose(deliveries, UsageType.SignIn, new EmailPayload { Code = "1", Locale = "zh" }).Subject.Should().Be("Code 1", "zh is not zh-CN");

        var register = Compose(deliveries, UsageType.Register);
        register.UsageType.Should().Be("Register");
        register.TemplateId.Should().Be("generic-code");
        register.Html.Should().BeNull();
        register.TemplateData!.Value.GetRawText().Should().Be("""{"product":"Bookstore","code":"483920"}""", "payload values win over configured variables");
    }

    [Fact]
    public void A_usage_type_without_a_delivery_or_Generic_is_TemplateNotFound_before_any_request()
    {
        var (deliveries, _) = Read("""{ "deliveries": { "SignIn": { "html": "{{code}}" } } }""");
        var act = () => Compose(deliveries!, UsageType.Register);
        act.Should().Throw<ConnectorException>().Which.Code.Should().Be(ConnectorErrorCode.TemplateNotFound);
        act.Should().Throw<ConnectorException>().Which.Message.Should().Be("The TestMail config has no delivery for usage type 'Register' and no 'Generic' delivery; add one under 'deliveries'.");
    }

    [Theory]
    [InlineData("""{ "deliveries": [] }""", "deliveries", "must be a JSON object")]
    [InlineData("""{ }""", "deliveries", "is required")]
    [InlineData("""{ "deliveries": { "SignIn": "x" } }""", "deliveries.SignIn", "must be a JSON object")]
    [InlineData("""{ "deliveries": { "SignIn": { "html": "a", "template": "t" } } }""", "deliveries.SignIn", "has both html and template; give one of them")]
    [InlineData("""{ "deliveries": { "SignIn": { "text": "a" } } }""", "deliveries.SignIn", "has only text; add html (the text part is sent with it) or use a stored template")]
    [InlineData("""{ "deliveries": { "SignIn": { "subject": "a" } } }""", "deliveries.SignIn", "needs html (optionally with text) or a stored template; it has neither")]
    [InlineData("""{ "deliveries": { "SignIn": { "template": "t", "text": "a" } } }""", "deliveries.SignIn.text", "goes with html, not with a stored template")]
    [InlineData("""{ "deliveries": { "SignIn": { "html": "a", "variables": {} } } }""", "deliveries.SignIn.variables", "go with a stored template, not with html")]
    [InlineData("""{ "deliveries": { "SignIn": { "html": "{{#if code}}" } } }""", "deliveries.SignIn.html", "is not a valid template")]
    [InlineData("""{ "deliveries": { "SignIn": { "html": "a", "locales": { "en": { "html": "b", "locales": {} } } } } }""", "deliveries.SignIn.locales.en.locales", "cannot be nested inside a locale")]
    public void Each_delivery_problem_is_reported_at_its_path(string json, string path, string message)
    {
        var (deliveries, errors) = Read(json);
        deliveries.Should().BeNull();
        errors.Should().ContainSingle().Which.Should().Match<ConfigError>(e => e.Path == path && e.Message.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void The_delivery_count_and_template_size_are_capped_and_reported_once()
    {
        var many = new JsonObject();
        for (var i = 0; i <= EmailDeliveries.MaxDeliveries; i++)
        {
            many[$"T{i}"] = new JsonObject { ["html"] = "x" };
        }

        var (deliveries, errors) = Read(new JsonObject { ["deliveries"] = many }.ToJsonString());
        deliveries.Should().BeNull();
        errors.Should().ContainSingle().Which.Should().Be(new ConfigError("deliveries", "holds more than 1000 deliveries (locale variants included)"));

        // Each template may hold 256 Ki characters (MessageTemplate's own cap): four fill the config's 1 Mi exactly.
        var quarter = new string('x', EmailDeliveries.MaxTemplateCharacters / 4);
        JsonObject Full(string? extraText)
        {
            var map = new JsonObject();
            for (var i = 0; i < 4; i++)
            {
                map[$"T{i}"] = new JsonObject { ["html"] = quarter };
            }

            if (extraText is not null)
            {
                map["T3"]!["text"] = extraText;
            }

            return new JsonObject { ["deliveries"] = map };
        }

        Read(Full(null).ToJsonString()).Errors.Should().BeEmpty();
        (deliveries, errors) = Read(Full("y").ToJsonString());
        deliveries.Should().BeNull();
        errors.Should().ContainSingle().Which.Should().Be(new ConfigError("deliveries", "holds more than 1048576 characters of templates"));
    }

    // Logto's SendGrid default config, with the "type" field SendGrid's connector uses.
    private const string SendGridTemplates = """
        {
          "templates": [
            { "usageType": "SignIn", "type": "text/plain", "subject": "Logto SignIn Template", "content": "Your code is {{code}}." },
            { "usageType": "Register", "type": "text/html", "subject": "Register", "content": "<p>{{code}}</p>" },
            { "usageType": "Register", "locale": "de", "type": "text/html", "subject": "Registrierung", "content": "<p>Code {{code}}</p>" },
            { "usageType": "Generic", "type": "text/plain", "subject": "Generic", "content": "{{code}}" }
          ]
        }
        """;

    [Fact]
    public void Logto_template_lists_become_deliveries_with_their_content_type_and_locale_variants()
    {
        var (deliveries, errors) = ReadTemplates(SendGridTemplates, Fields with { ContentType = "type" });
        errors.Should().BeEmpty();
        var signIn = Compose(deliveries!, UsageType.SignIn);
        (signIn.Subject, signIn.Text, signIn.Html).Should().Be(("Logto SignIn Template", "Your code is 483920.", (string?)null));
        var register = Compose(deliveries!, UsageType.Register, new EmailPayload { Code = "<1>", Locale = "de-AT" });
        (register.Subject, register.Html, register.Text).Should().Be(("Registrierung", "<p>Code &lt;1&gt;</p>", (string?)null));
        Compose(deliveries!, UsageType.Register).Html.Should().Be("<p>483920</p>");
        Compose(deliveries!, UsageType.ForgotPassword).Text.Should().Be("483920", "Generic serves the rest");
    }

    [Fact]
    public void A_template_list_without_the_type_or_Generic_names_its_own_field()
    {
        var (deliveries, _) = ReadTemplates("""{ "templates": [ { "usageType": "SignIn", "contentType": "text/plain", "subject": "s", "content": "c" } ] }""");
        FluentActions.Invoking(() => Compose(deliveries!, UsageType.Register)).Should().Throw<ConnectorException>()
            .Which.Message.Should().Be("The TestMail config has no delivery for usage type 'Register' and no 'Generic' delivery; add one under 'templates'.");
    }

    [Theory]
    [InlineData("""{ "templates": {} }""", "templates", "must be a JSON array")]
    [InlineData("""{ "templates": [ 1 ] }""", "templates[0]", "must be a JSON object")]
    [InlineData("""{ "templates": [ { "contentType": "text/html", "subject": "s", "content": "c" } ] }""", "templates[0].usageType", "is required")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "contentType": "text/markdown", "subject": "s", "content": "c" } ] }""", "templates[0].contentType", "must be text/html or text/plain")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "subject": "s", "content": "c" } ] }""", "templates[0].contentType", "is required")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "contentType": "text/html", "content": "c" } ] }""", "templates[0].subject", "is required")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "contentType": "text/html", "subject": "{{/if}}", "content": "c" } ] }""", "templates[0].subject", "is not a valid template")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "contentType": "text/html", "subject": "s" } ] }""", "templates[0].content", "is required")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "contentType": "text/html", "subject": "s", "content": "a" }, { "usageType": "SignIn", "contentType": "text/plain", "subject": "s", "content": "b" } ] }""", "templates[1]", "repeats usage type 'SignIn' of templates[0]; keep one of them")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "locale": "en", "contentType": "text/html", "subject": "s", "content": "a" } ] }""", "templates[0]", "has a locale, and no entry of usage type 'SignIn' has none")]
    [InlineData("""{ "templates": [ { "usageType": "SignIn", "templateId": "t", "subject": "s" } ] }""", "templates[0].content", "is required")]
    public void Each_template_list_problem_is_reported_at_its_path(string json, string path, string message)
    {
        var (deliveries, errors) = ReadTemplates(json, Fields with { TemplateId = "templateId" });
        deliveries.Should().BeNull();
        errors.Should().Contain(e => e.Path == path && e.Message.StartsWith(message, StringComparison.Ordinal), "got {0}", string.Join("; ", errors));
    }

    [Fact]
    public void A_template_list_may_name_stored_templates_where_the_provider_has_them()
    {
        var fields = Fields with { TemplateId = "templateId", TemplatesMayBeStored = true };
        var (deliveries, errors) = ReadTemplates("""
            { "templates": [ { "usageType": "Generic", "templateId": "d-123", "variables": { "product": "Shop" } } ] }
            """, fields);
        errors.Should().BeEmpty();
        var email = Compose(deliveries!, UsageType.SignIn);
        (email.TemplateId, email.Subject, email.TemplateData!.Value.GetRawText()).Should().Be(("d-123", (string?)null, """{"product":"Shop","code":"483920"}"""));

        ReadTemplates("""{ "templates": [ { "usageType": "Generic", "templateId": "d-1", "content": "c" } ] }""", fields)
            .Errors.Should().ContainSingle().Which.Should().Be(new ConfigError("templates[0].content", "goes without templateId: give one of them"));
        ReadTemplates("""{ "templates": [ { "usageType": "Generic", "contentType": "text/html", "subject": "s", "content": "c", "variables": {} } ] }""", fields)
            .Errors.Should().ContainSingle().Which.Should().Be(new ConfigError("templates[0].variables", "go with a stored template (templateId), not with content"));
    }

    [Fact]
    public void A_template_list_is_capped_like_deliveries()
    {
        var list = new JsonArray();
        for (var i = 0; i <= EmailDeliveries.MaxDeliveries; i++)
        {
            list.Add(new JsonObject { ["usageType"] = $"T{i}", ["contentType"] = "text/plain", ["subject"] = "s", ["content"] = "c" });
        }

        var (deliveries, errors) = ReadTemplates(new JsonObject { ["templates"] = list }.ToJsonString());
        deliveries.Should().BeNull();
        errors.Should().ContainSingle().Which.Should().Be(new ConfigError("templates", "holds more than 1000 deliveries (locale variants included)"));
    }

    [Theory]
    [InlineData("ada@example.com, eve@example.com")]
    [InlineData("Ada <ada@example.com>")]
    [InlineData("ada@example.com\r\nBcc: eve@example.com")]
    [InlineData("")]
    public void A_recipient_that_is_not_one_plain_address_is_refused_without_echoing_it(string to)
    {
        var (deliveries, _) = Read("""{ "deliveries": { "Generic": { "html": "{{code}}" } } }""");
        var act = () => Compose(deliveries!, UsageType.SignIn, to: to);
        var error = act.Should().Throw<ConnectorException>().Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        error.Message.Should().Be("The recipient must be exactly one email address such as user@example.com, without a display name, comma, semicolon, line break or invisible character.");
    }

    [Fact]
    public void Html_parts_escape_payload_values_text_parts_do_not_and_headers_stay_one_line()
    {
        var (deliveries, _) = Read("""
            { "deliveries": { "Generic": { "subject": "Hi {{name}}", "replyTo": "{{reply}}", "html": "<p>{{name}}</p>", "text": "{{name}}" } } }
            """);
        var payload = new EmailPayload { Code = "1", Extra = new JsonObject { ["name"] = "<Ada>\r\nBcc: eve@example.com", ["reply"] = "help@example.com\nX: y" } };
        var email = Compose(deliveries!, UsageType.SignIn, payload);
        email.Html.Should().Be("<p>&lt;Ada&gt;\r\nBcc: eve@example.com</p>");
        email.Text.Should().Be("<Ada>\r\nBcc: eve@example.com");
        email.Subject.Should().NotContainAny("\r", "\n").And.StartWith("Hi <Ada>");
        email.ReplyTo.Should().NotContainAny("\r", "\n").And.StartWith("help@example.com");
        email.ToString().Should().NotContain("Ada").And.NotContain("1");
    }

    [Fact]
    public void A_payload_value_that_cannot_be_JSON_is_refused_naming_its_key_not_its_value()
    {
        var (deliveries, _) = Read("""{ "deliveries": { "Generic": { "html": "{{code}}" } } }""");
        var payload = new EmailPayload { Code = "483920", Extra = new JsonObject { ["when"] = JsonValue.Create(new Unwritable()) } };
        var error = FluentActions.Invoking(() => Compose(deliveries!, UsageType.SignIn, payload)).Should().Throw<ConnectorException>().Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidRequestParameters);
        error.Message.Should().Contain("'when'").And.NotContain("483920").And.NotContain("(Parameter");
    }

    [Theory]
    [InlineData("Your code is {{code}}")]
    [InlineData("<p>{{ code }} &amp; {{{link}}} {{&locale}} {{uiLocales}} {{this.code}} {{@root.link}} {{missing}}</p>")]
    [InlineData("{{code}}{{code}}")]
    [InlineData("no placeholders at all")]
    [InlineData("{{#if code}}{{code}}{{/if}} {{code.length}} {{../code}}")] // not flat: rendered from JSON data
    public void A_plain_payload_renders_as_the_same_text_as_its_JSON_data(string source)
    {
        var (deliveries, _) = Read(JsonSerializer.Serialize(new { deliveries = new { Generic = new { subject = source, html = source, text = source } } }));
        foreach (var payload in new[]
        {
            new EmailPayload { Code = "483920", Locale = "en" },
            new EmailPayload { Code = "<b>&'\"`=</b>", Link = "https://id.example.com/?a=1&b=<2>", Locale = "zh-TW", UiLocales = "zh-TW en" },
            new EmailPayload(),
            new EmailPayload { Code = "\u00e9\u4e2d\ud83d\ude00", Extra = [] }, // a paired surrogate: the JSON path
        })
        {
            var data = EmailTemplateData.Create(payload);
            var email = Compose(deliveries!, UsageType.SignIn, payload);
            email.Subject.Should().Be(SafeText.SingleLine(MessageTemplate.Parse(source).Render(data, TemplateEscaping.None)));
            email.Html.Should().Be(MessageTemplate.Parse(source).Render(data, TemplateEscaping.Html));
            email.Text.Should().Be(MessageTemplate.Parse(source).Render(data, TemplateEscaping.None));
        }
    }

    [Fact]
    public void A_lone_surrogate_in_a_plain_payload_renders_as_the_replacement_character_as_through_JSON()
    {
        var (deliveries, _) = Read("""{ "deliveries": { "Generic": { "subject": "Code {{code}}", "html": "<b>{{code}}</b>" } } }""");
        var email = Compose(deliveries!, UsageType.SignIn, new EmailPayload { Code = "48\ud800" });
        email.Subject.Should().Be("Code 48\uFFFD");
        email.Html.Should().Be("<b>48\uFFFD</b>");
    }

    private sealed class Unwritable
    {
        public IntPtr Handle { get; } = new(483920);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("\"TRUE\"", true)]
    [InlineData("\" false \"", false)]
    [InlineData("null", true)]
    public void Booleans_are_read_as_JSON_or_as_configuration_strings(string json, bool expected)
    {
        var reader = new ConfigReader(ConnectorHost.Json($$"""{ "flag": {{json}} }"""));
        reader.OptionalBoolean(reader.Root, "flag", "flag", fallback: true).Should().Be(expected);
        reader.Errors.Should().BeEmpty();
    }

    [Theory]
    [InlineData("587", 587)]
    [InlineData("\"25\"", 25)]
    [InlineData("\" 465 \"", 465)]
    public void Whole_numbers_are_read_as_JSON_or_as_configuration_strings(string json, int expected)
    {
        var reader = new ConfigReader(ConnectorHost.Json($$"""{ "port": {{json}} }"""));
        reader.OptionalInteger(reader.Root, "port", "port", 1, 65535).Should().Be(expected);
        reader.Errors.Should().BeEmpty();
    }

    [Theory]
    [InlineData("{ \"flag\": \"yes\" }", "flag", "must be true or false")]
    [InlineData("{ \"flag\": 1 }", "flag", "must be true or false")]
    [InlineData("{ \"port\": 0 }", "port", "must be a whole number from 1 to 65535")]
    [InlineData("{ \"port\": 1.5 }", "port", "must be a whole number from 1 to 65535")]
    [InlineData("{ \"port\": \"-1\" }", "port", "must be a whole number from 1 to 65535")]
    [InlineData("{ \"port\": 99999999999 }", "port", "must be a whole number from 1 to 65535")]
    [InlineData("{ \"list\": {} }", "list", "must be a JSON array")]
    [InlineData("{ }", "list", "is required")]
    public void Wrong_booleans_numbers_and_arrays_are_reported_at_their_path(string json, string path, string message)
    {
        var reader = new ConfigReader(ConnectorHost.Json(json));
        _ = path switch
        {
            "flag" => (object)reader.OptionalBoolean(reader.Root, "flag", "flag", fallback: false),
            "port" => reader.OptionalInteger(reader.Root, "port", "port", 1, 65535)!,
            _ => reader.RequiredArray("list")!,
        };
        reader.Errors.Should().ContainSingle().Which.Should().Be(new ConfigError(path, message));
    }
}
