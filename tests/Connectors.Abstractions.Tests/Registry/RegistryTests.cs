using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Abstractions.Tests.Registry;

public sealed class RegistryTests
{
    [Theory]
    [InlineData(ConnectorErrorCode.General, "general", 400, 503)]
    [InlineData(ConnectorErrorCode.InvalidConfig, "invalid_config", 400, 500)]
    [InlineData(ConnectorErrorCode.InvalidResponse, "invalid_response", 400, 503)]
    [InlineData(ConnectorErrorCode.TemplateNotFound, "template_not_found", 400, 500)]
    [InlineData(ConnectorErrorCode.RateLimitExceeded, "rate_limit_exceeded", 429, 429)]
    [InlineData(ConnectorErrorCode.UsageLimitExceeded, "usage_limit_exceeded", 429, 429)]
    [InlineData(ConnectorErrorCode.NotImplemented, "not_implemented", 501, 500)]
    [InlineData(ConnectorErrorCode.SocialAuthCodeInvalid, "social_auth_code_invalid", 401, 401)]
    [InlineData(ConnectorErrorCode.SocialAccessTokenInvalid, "social_invalid_access_token", 401, 401)]
    [InlineData(ConnectorErrorCode.SocialIdTokenInvalid, "social_invalid_id_token", 401, 401)]
    [InlineData(ConnectorErrorCode.AuthorizationFailed, "authorization_failed", 401, 401)]
    [InlineData(ConnectorErrorCode.InvalidRequestParameters, "invalid_request_parameters", 400, 400)]
    [InlineData(ConnectorErrorCode.InsufficientRequestParameters, "insufficient_request_parameters", 400, 400)]
    [InlineData(ConnectorErrorCode.TemplateNotSupported, "template_not_supported", 400, 500)]
    public void Error_codes_map_to_Logto_wire_strings_and_statuses(ConnectorErrorCode code, string wire, int logto, int response)
    {
        code.ToWireString().Should().Be(wire);
        code.ToHttpStatusCode().Should().Be(logto);
        code.ToResponseStatusCode().Should().Be(response, "a provider's fault is not the caller's: 503, the host's own: 500");
    }

    [Fact]
    public void Every_error_code_has_a_wire_string() =>
        Enum.GetValues<ConnectorErrorCode>().Select(c => c.ToWireString()).Should().OnlyHaveUniqueItems();

    [Fact]
    public void Unknown_connector_id_is_NotImplemented_naming_the_registered_ones()
    {
        using var services = new ServiceCollection().AddConnectors().Services.BuildServiceProvider();

        var act = () => services.GetRequiredService<IConnectorRegistry>().Create("nope", ConnectorHost.Json("{}"));

        act.Should().Throw<ConnectorException>().Which.Code.Should().Be(ConnectorErrorCode.NotImplemented);
    }

    [Fact]
    public void AddConnectors_is_idempotent()
    {
        var services = new ServiceCollection();
        services.AddConnectors();
        services.AddConnectors();

        services.Count(d => d.ServiceType == typeof(IConnectorRegistry)).Should().Be(1);
    }
}
