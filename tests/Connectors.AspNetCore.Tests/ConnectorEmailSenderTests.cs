using System.Net;
using Connectors.Mailgun;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.AspNetCore.Tests;

[Collection(WireMockTest.Collection)]
public sealed class ConnectorEmailSenderTests(WireMockFixture fixture) : WireMockTest(fixture)
{
    private const string Deliveries = """
        {
          "Register": { "subject": "Confirm your account", "html": "<a href=\"{{link}}\">Confirm</a>" },
          "ForgotPassword": { "subject": "Reset your password", "html": "<p>Code {{code}} or {{link}}</p>" }
        }
        """;


    private IEmailSender<object> Sender()
    {
        var services = ConnectorHost.Build(Logs, b =>
        {
            b.AddMailgun(o => o.AllowedEndpoints.Add(WireMock.BaseUri));
            b.Services.AddConnectorEmailSender<object>(o =>
            {
                o.ConnectorId = MailgunConnectorFactory.ConnectorId;
                o.Config = ConnectorHost.Json($$"""
                    { "endpoint": "{{WireMock.BaseUri.AbsoluteUri}}", "domain": "example.com", "apiKey": "mailgun-key-S3CR3T",
                      "from": "Example <noreply@example.com>", "deliveries": {{Deliveries}} }
                    """);
            });
        });
        return services.GetRequiredService<IEmailSender<object>>();
    }

    private async Task<IReadOnlyDictionary<string, string>> SentFormAsync()
    {
        var request = (await WireMock.GetRequestsAsync()).Should().ContainSingle().Subject;
        request.Path.Should().Be("/v3/example.com/messages");
        return request.Form;
    }

    [Fact]
    public async Task Identitys_confirmation_link_goes_out_as_Register_encoded_once()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        // Identity hands the link HTML-encoded (HtmlEncoder.Default.Encode(callbackUrl)).
        var link = "https://id.example.com/confirm?userId=42&code=Q2Zm";

        await Sender().SendConfirmationLinkAsync(new object(), "ada@example.com", WebUtility.HtmlEncode(link));

        var form = await SentFormAsync();
        form["to"].Should().Be("ada@example.com");
        form["subject"].Should().Be("Confirm your account");
        // Escaped once by the html template: a mail client decodes it back to Identity's link, not to "&amp;".
        form["html"].Should().NotContain("&amp;amp;");
        WebUtility.HtmlDecode(form["html"]).Should().Be($"<a href=\"{link}\">Confirm</a>");
    }

    [Fact]
    public async Task Identitys_reset_link_and_reset_code_go_out_as_ForgotPassword()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        var sender = Sender();

        await sender.SendPasswordResetLinkAsync(new object(), "ada@example.com", WebUtility.HtmlEncode("https://id.example.com/reset?code=a&b=c"));
        WebUtility.HtmlDecode((await SentFormAsync())["html"]).Should().Be("<p>Code  or https://id.example.com/reset?code=a&b=c</p>");

        await WireMock.ResetAsync();
        await WireMock.LoadContractAsync("mailgun/messages.json");
        await sender.SendPasswordResetCodeAsync(new object(), "ada@example.com", "739204");
        var form = await SentFormAsync();
        form["subject"].Should().Be("Reset your password");
        form["html"].Should().Be("<p>Code 739204 or </p>");
        Logs.Entries.Select(e => e.FullText).ShouldNotContainAny("739204", "mailgun-key-S3CR3T");
    }
}
