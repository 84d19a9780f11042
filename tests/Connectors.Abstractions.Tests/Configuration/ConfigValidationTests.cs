using System.Text.Json;

namespace Connectors.Abstractions.Tests.Configuration;

public sealed class ConfigValidationTests
{
    private sealed record SampleConfig(string ClientId, Secret ClientSecret, string? Scope, string Mode);

    private sealed class SampleFactory : ConnectorFactory<SampleConfig>
    {
        public override ConnectorMetadata Metadata { get; } = new("sample-universal", "sample", ConnectorType.Social, "Sample", "A sample.", []);

        protected override SampleConfig? Parse(ConfigReader reader)
        {
            var clientId = reader.RequiredString("clientId");
            var secret = reader.RequiredString("clientSecret");
            var scope = reader.OptionalString("scope");
            var mode = reader.OptionalString("mode") ?? "a";
            if (mode is not ("a" or "b"))
            {
                reader.AddError("mode", "must be 'a' or 'b'");
            }

            return clientId is null || secret is null ? null : new SampleConfig(clientId, new Secret(secret), scope, mode);
        }

        protected override IConnector CreateConnector(SampleConfig config) => throw new NotSupportedException();
    }

    [Fact]
    public void Validation_lists_every_problem_with_its_path()
    {
        var errors = new SampleFactory().Validate(ConnectorHost.Json("""{ "clientId": "", "scope": 42, "mode": "c" }"""));

        errors.Should().BeEquivalentTo(new[]
        {
            new ConfigError("clientId", "must not be empty"),
            new ConfigError("clientSecret", "is required"),
            new ConfigError("scope", "must be a string"),
            new ConfigError("mode", "must be 'a' or 'b'"),
        });
    }

    [Fact]
    public void A_valid_config_has_no_errors() =>
        new SampleFactory().Validate(ConnectorHost.Json("""{ "clientId": "id", "clientSecret": "s" }""")).Should().BeEmpty();

    [Fact]
    public void A_config_that_is_not_an_object_is_reported_at_the_root() =>
        new SampleFactory().Validate(ConnectorHost.Json("[]")).Should().ContainSingle(e => e.Path == "$");

    [Fact]
    public void Invalid_config_throws_InvalidConfig_naming_every_problem_without_values()
    {
        var act = () => new SampleFactory().ParseConfig(ConnectorHost.Json("""{ "clientSecret": "super-secret-value", "mode": "zzz-mode" }"""));

        var error = act.Should().Throw<ConnectorException>().Which;
        error.Code.Should().Be(ConnectorErrorCode.InvalidConfig);
        error.Message.Should().Be("The sample-universal config is invalid: clientId: is required; mode: must be 'a' or 'b'.");
        error.ConfigErrors.Should().HaveCount(2);
        SecretAssertions.Texts(error).ShouldNotContainAny("super-secret-value", "zzz-mode");
    }

    [Fact]
    public void Config_ToString_hides_the_secret()
    {
        var config = new SampleFactory().ParseConfig(ConnectorHost.Json("""{ "clientId": "id-1", "clientSecret": "super-secret-value" }"""));

        config.ToString().Should().Contain("id-1").And.Contain("***").And.NotContain("super-secret-value");
        config.ClientSecret.Reveal().Should().Be("super-secret-value");
    }
}
