using Microsoft.Extensions.DependencyInjection;

namespace Connectors.WeCom.Tests;

[Collection(WireMockTest.Collection)]
public sealed class ConfigTests(WireMockFixture fixture) : WeComTestBase(fixture)
{
    private WeComConnectorFactory Factory() => Services().GetRequiredService<WeComConnectorFactory>();

    [Fact]
    public void Validation_lists_every_problem()
    {
        var errors = Factory().Validate(ConnectorHost.Json("""{ "agentId": "10000a2", "secret": "one-S3CR3T", "appSecret": "two-S3CR3T" }"""));

        errors.Select(e => e.Path).Should().Equal("corpId", "agentId", "appSecret");
        errors.Select(e => e.ToString()).Should().NotContain(t => t.Contains("S3CR3T", StringComparison.Ordinal));
    }

    [Fact]
    public void A_config_without_any_secret_names_secret()
    {
        var errors = Factory().Validate(ConnectorHost.Json("""{ "corpId": "c", "agentId": "1" }"""));

        errors.Should().ContainSingle().Which.Should().Be(new ConfigError("secret", "is required (Logto's name 'appSecret' is accepted too)"));
    }

    [Theory]
    [InlineData("""{ "corpId": "c", "agentId": "1000002", "appSecret": "x" }""")]
    [InlineData("""{ "corpId": "c", "agentId": 1000002, "secret": "x", "appSecret": "x", "scope": "snsapi_privateinfo" }""")]
    public void Logto_configs_are_accepted(string json) => Factory().Validate(ConnectorHost.Json(json)).Should().BeEmpty();

    [Fact]
    public void Create_with_an_invalid_config_throws_InvalidConfig_without_the_secret()
    {
        var act = () => Factory().Create(ConnectorHost.Json("""{ "corpId": "", "agentId": "x", "secret": "my-S3CR3T" }"""));

        var error = act.Should().Throw<ConnectorException>().Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
        error.Message.Should().Contain("corpId: must not be empty").And.Contain("agentId: must contain only digits");
        SecretAssertions.Texts(error).ShouldNotContainAny("my-S3CR3T");
    }

    [Fact]
    public void Config_ToString_hides_the_secret()
    {
        var connector = (WeComConnector)Connector();

        connector.Config.ToString().Should().Contain("ww-corp-1").And.NotContain(Secret);
    }

    [Fact]
    public void Metadata_describes_the_four_fields()
    {
        var metadata = Factory().Metadata;

        metadata.Should().BeEquivalentTo(new { Id = "wecom-universal", Target = "wecom", Type = ConnectorType.Social });
        metadata.FormItems.Select(f => f.Key).Should().Equal("corpId", "agentId", "secret", "scope");
        metadata.FormItems.Single(f => f.IsConfidential).Key.Should().Be("secret");
    }

    [Fact]
    public void AddWeCom_is_idempotent()
    {
        var services = new ServiceCollection();
        services.AddConnectors().AddWeCom().AddWeCom();

        services.Count(d => d.ServiceType == typeof(IConnectorFactory)).Should().Be(1);
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IConnectorRegistry>().Factories.Keys.Should().Equal("wecom-universal");
    }
}
