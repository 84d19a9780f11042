using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.WeCom;
using Microsoft.Extensions.Options;

namespace Connectors.FaultMatrix.Tests;

/// <summary>Host options are validated when the host starts (<c>ValidateOnStart</c>), every problem named by its
/// option, instead of failing at the first sign-in or never.</summary>
public sealed class OptionsValidationTests
{
    private static OptionsValidationException StartFails(Action<ConnectorsBuilder> configure)
    {
        using var services = ConnectorHost.Build(new FakeLoggerProvider(), configure);
        var start = () => services.GetRequiredService<IStartupValidator>().Validate(); // what the host runs at start
        return start.Should().Throw<OptionsValidationException>().Which;
    }

    [Fact]
    public void Invalid_WeCom_options_fail_at_start_naming_each_option()
    {
        var error = StartFails(b => b.AddWeCom(o =>
        {
            o.Http.AttemptTimeout = TimeSpan.Zero;
            o.TokenCache.RefreshMargin = TimeSpan.FromMinutes(-1);
            o.TokenCache.Capacity = 0;
            o.ApiBaseAddress = new Uri("/relative", UriKind.Relative);
        }));

        error.Failures.Should().BeEquivalentTo(
            "WeComOptions.ApiBaseAddress must be an absolute URI.",
            "WeComOptions.Http.AttemptTimeout must be positive (was 00:00:00).",
            "WeComOptions.TokenCache.RefreshMargin must not be negative (was -00:01:00).",
            "WeComOptions.TokenCache.Capacity must be at least 1 (was 0).");
    }

    [Fact]
    public void Invalid_Hugging_Face_and_Mailgun_options_fail_at_start()
    {
        StartFails(b => b.AddHuggingFace(o => o.Http.OverallTimeout = TimeSpan.FromSeconds(-1)))
            .Failures.Should().Equal("HuggingFaceOptions.Http.OverallTimeout must be positive (was -00:00:01).");
        StartFails(b => b.AddHuggingFace(o => o.BaseAddress = new Uri("http://huggingface.example.com/")))
            .Failures.Should().Equal("HuggingFaceOptions.BaseAddress must be an https URI (was http://huggingface.example.com): credentials are sent there. Plain http is accepted only for a loopback address.");
        StartFails(b => b.AddWeCom(o => o.ApiBaseAddress = new Uri("http://qyapi.example.com/")))
            .Failures.Should().ContainSingle().Which.Should().StartWith("WeComOptions.ApiBaseAddress must be an https URI");
        StartFails(b => b.AddMailgun(o => o.Http.MaxResponseBytes = 0))
            .Failures.Should().Equal("MailgunOptions.Http.MaxResponseBytes must be positive (was 0).");
    }

    [Fact]
    public void Valid_options_start_and_registering_twice_registers_each_factory_once()
    {
        using var services = ConnectorHost.Build(new FakeLoggerProvider(), b => b.AddWeCom().AddWeCom().AddHuggingFace().AddMailgun().AddMailgun());

        services.GetRequiredService<IStartupValidator>().Validate();
        services.GetServices<IConnectorFactory>().Select(f => f.Metadata.Id).Should().BeEquivalentTo(
            WeComConnectorFactory.ConnectorId, HuggingFaceConnectorFactory.ConnectorId, MailgunConnectorFactory.ConnectorId);
    }
}
