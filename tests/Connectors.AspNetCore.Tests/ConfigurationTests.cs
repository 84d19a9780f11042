using System.Text.Json;
using Connectors.WeCom;
using Microsoft.Extensions.Configuration;

namespace Connectors.AspNetCore.Tests;

/// <summary>Connector configs from <see cref="IConfiguration"/> (appsettings, environment variables) and typed creation.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly ServiceProvider _services = ConnectorHost.Build(new FakeLoggerProvider(), b => b.AddWeCom().AddMailgun());

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public async Task A_section_is_a_connector_config_with_Logtos_field_names()
    {
        var configuration = Configuration(("Connectors:WeCom:corpId", "ww-corp-9"), ("Connectors:WeCom:agentId", "1000002"), ("Connectors:WeCom:secret", "s"));
        var registry = _services.GetRequiredService<IConnectorRegistry>();

        var wecom = registry.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, configuration.GetSection("Connectors:WeCom"));
        var redirect = await wecom.GetAuthorizationUriAsync(new AuthorizationRequest("abc123", new Uri("https://id.example.com/cb")));

        SocialCallback.FromQueryString(redirect.Uri.Query).Parameters["appid"].Should().Be("ww-corp-9");
    }

    [Fact]
    public void Arrays_and_nested_objects_come_back_as_JSON_arrays_and_objects()
    {
        var configuration = Configuration(
            ("oidc:idTokenVerificationConfig:issuer:0", "https://a.example.com"),
            ("oidc:idTokenVerificationConfig:issuer:1", "https://b.example.com"),
            ("oidc:clientId", "c"));

        var json = ConnectorConfiguration.ToJson(configuration.GetSection("oidc"));

        json.GetProperty("clientId").GetString().Should().Be("c");
        var issuers = json.GetProperty("idTokenVerificationConfig").GetProperty("issuer");
        issuers.ValueKind.Should().Be(JsonValueKind.Array);
        issuers.EnumerateArray().Select(e => e.GetString()).Should().Equal("https://a.example.com", "https://b.example.com");
    }

    [Fact]
    public void Empty_objects_and_nulls_in_appsettings_read_as_fields_not_given_and_the_config_is_accepted()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream("""
                { "oauth2": { "authorizationEndpoint": "https://provider.example.com/authorize", "tokenEndpoint": "https://provider.example.com/token",
                  "userInfoEndpoint": "https://provider.example.com/userinfo", "clientId": "c", "clientSecret": "s",
                  "customConfig": {}, "scope": null, "responseType": "code", "profileMap": { "id": "sub" } } }
                """u8.ToArray()))
            .Build();

        var json = ConnectorConfiguration.ToJson(configuration.GetSection("oauth2"));

        json.GetProperty("customConfig").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("scope").ValueKind.Should().Be(JsonValueKind.Null);
        json.GetProperty("profileMap").GetProperty("id").GetString().Should().Be("sub");
        using var services = ConnectorHost.Build(new FakeLoggerProvider(), b => b.AddOAuth2());
        services.GetRequiredService<IConnectorRegistry>().Create<ISocialConnector>("oauth2", configuration.GetSection("oauth2")).Should().NotBeNull();
    }

    [Fact]
    public void Asking_for_the_wrong_kind_or_a_missing_section_is_InvalidConfig_naming_it()
    {
        var registry = _services.GetRequiredService<IConnectorRegistry>();
        var configuration = Configuration(("Connectors:WeCom:corpId", "ww"), ("Connectors:WeCom:agentId", "1"), ("Connectors:WeCom:secret", "s"));

        var wrongKind = () => registry.Create<IEmailConnector>(WeComConnectorFactory.ConnectorId, configuration.GetSection("Connectors:WeCom"));
        var missing = () => registry.Create<IEmailConnector>("mailgun-email", configuration.GetSection("Connectors:Mailgun"));

        wrongKind.Should().Throw<ConnectorException>().Which.Should().Match<ConnectorException>(e => e.Code == ConnectorErrorCode.InvalidConfig && e.Message.Contains("not an IEmailConnector"));
        missing.Should().Throw<ConnectorException>().Which.Message.Should().Contain("'Connectors:Mailgun'").And.Contain("missing or empty");
    }

    [Fact]
    public void Host_options_bound_from_configuration_are_checked_at_start_naming_the_option()
    {
        var configuration = Configuration(("ConnectorOptions:WeCom:Http:AttemptTimeout", "00:00:00"), ("ConnectorOptions:WeCom:ApiBaseAddress", "http://qyapi.example.com/"));
        using var services = ConnectorHost.Build(new FakeLoggerProvider(), b =>
        {
            b.AddWeCom();
            b.Services.Configure<WeComOptions>(configuration.GetSection("ConnectorOptions:WeCom"));
        });

        var start = () => services.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

        start.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Failures.Should().Contain(
            "WeComOptions.Http.AttemptTimeout must be positive (was 00:00:00).").And.Contain(f => f.StartsWith("WeComOptions.ApiBaseAddress must be an https URI", StringComparison.Ordinal));
    }

    [Fact]
    public void Connector_failures_are_counted_on_the_meter_of_the_service_provider_that_made_the_connector()
    {
        using var metrics = _services.FailureMetrics();
        using var config = JsonDocument.Parse("{}");

        var create = () => _services.GetRequiredService<IConnectorRegistry>().Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, config.RootElement);

        create.Should().Throw<ConnectorException>();
        metrics.Failures().Should().Equal(("WeCom", "create", "invalid_config"));
    }

    [Theory]
    [InlineData("wecom-universal", """{ "corpid": "ww-corp", "agentId": "1000002", "secret": "s" }""",
        "corpid: is not a field of this config (did you mean 'corpId'?)|corpId: is required")]
    [InlineData("huggingface-universal", """{ "clientId": "c", "clientSecret": "s", "scop": "openid profile", "redirectUri": "https://id.example.com/cb" }""",
        "scop: is not a field of this config (did you mean 'scope'?)|redirectUri: is not a field of this config")]
    [InlineData("mailgun-email", """{ "domain": "mg.example.com", "apiKey": "k", "from": "a@mg.example.com", "deliveries": { "signin": { "subject": "s", "html": "{{code}}" }, "Register": { "subject": "s", "htm": "{{code}}" } } }""",
        "deliveries.signin: is the usage type 'SignIn' in other case; usage types are case-sensitive|deliveries.Register: needs html (optionally with text) or a stored Mailgun template; it has neither|deliveries.Register.htm: is not a field of this config (did you mean 'html'?)")]
    [InlineData("oauth2", """{ "authorizationEndpoint": "https://p.example.com/a", "tokenEndpoint": "https://p.example.com/t", "userInfoEndpoint": "https://p.example.com/u", "clientId": "c", "clientSecret": "s", "profileMap": { "id": "sub", "emial": "mail" } }""",
        "profileMap.emial: is not a field of this config (did you mean 'email'?)")]
    [InlineData("huggingface-universal", """{ "clientId": "<client-id>", "clientSecret": " <your client secret> ", "scope": "<scope>" }""",
        "clientId: is a placeholder such as <client-id>; put the real value here|clientSecret: is a placeholder such as <client-id>; put the real value here|scope: is a placeholder such as <client-id>; put the real value here")]
    public void Unknown_fields_and_placeholders_are_refused_with_their_paths(string connectorId, string config, string expected)
    {
        using var services = ConnectorHost.Build(new FakeLoggerProvider(), b => b.AddWeCom().AddHuggingFace().AddMailgun().AddOAuth2());
        var factory = services.GetRequiredService<IConnectorRegistry>().Factories[connectorId];

        factory.Validate(ConnectorHost.Json(config)).Select(e => e.ToString()).Should().BeEquivalentTo(expected.Split('|'));
    }

    [Fact]
    public void Fields_that_look_like_placeholders_but_are_values_are_accepted()
    {
        using var services = ConnectorHost.Build(new FakeLoggerProvider(), b => b.AddMailgun());
        var factory = services.GetRequiredService<IConnectorRegistry>().Factories["mailgun-email"];

        factory.Validate(ConnectorHost.Json("""
            { "domain": "mg.example.com", "apiKey": "k", "from": "<noreply@mg.example.com>",
              "deliveries": { "SignIn": { "subject": "<{{code}}>", "html": "<p>{{code}}</p>", "variables": null } } }
            """)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_scheme_whose_section_is_misspelled_or_whose_config_is_wrong_stops_the_host_at_start_naming_both()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder();
        Microsoft.AspNetCore.TestHost.WebHostBuilderExtensions.UseTestServer(builder.WebHost);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Connectors:WeCom:corpid"] = "ww-corp", ["Connectors:WeCom:agentId"] = "1000002", ["Connectors:WeCom:secret"] = "wecom-S3CR3T",
            ["Connectors:HuggingFace:clientId"] = "c", ["Connectors:HuggingFace:clientSecret"] = "hf-S3CR3T",
        });
        builder.Services.AddConnectors().AddWeCom().AddHuggingFace();
        builder.Services.AddAuthentication("cookies").AddCookie("cookies")
            .AddConnector("wecom", "WeCom", o =>
            {
                o.ConnectorId = WeComConnectorFactory.ConnectorId;
                o.Configuration = builder.Configuration.GetSection("Connectors:WeCom");
            })
            .AddConnector("huggingface", "Hugging Face", o =>
            {
                o.ConnectorId = "huggingface-universal";
                o.Configuration = builder.Configuration.GetSection("Connectors:HugingFace");
            });
        await using var app = builder.Build();

        var start = () => app.StartAsync();

        var failures = (await start.Should().ThrowAsync<AggregateException>()).Which.InnerExceptions
            .Cast<Microsoft.Extensions.Options.OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        failures.Should().BeEquivalentTo(
            "The connector scheme 'wecom': The wecom-universal config is invalid: corpId: is required; corpid: is not a field of this config (did you mean 'corpId'?).",
            "The connector scheme 'huggingface': The configuration section 'Connectors:HugingFace' for 'huggingface-universal' is missing or empty.");
        string.Join("\n", failures).Should().NotContain("S3CR3T");
    }

    public void Dispose() => _services.Dispose();
}
