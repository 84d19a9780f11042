using System.Net;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore;

/// <summary>Which email connector ASP.NET Core Identity's mail goes through (<c>AddConnectorEmailSender</c>); the
/// codes of <c>AddEmailCodeSignIn</c> go through it too. Checked at start.</summary>
public sealed class ConnectorEmailSenderOptions
{
    /// <summary>The email connector id, e.g. <c>mailgun-email</c>. Required.</summary>
    public string ConnectorId { get; set; } = string.Empty;

    /// <summary>The connector config (Logto's JSON).</summary>
    public JsonElement? Config { get; set; }

    /// <summary>A configuration section holding the config, used when <see cref="Config"/> is null.</summary>
    public IConfiguration? Configuration { get; set; }

    /// <summary>The locale the deliveries are chosen by (<see cref="EmailPayload.Locale"/>); none when null.</summary>
    public string? Locale { get; set; }
}

/// <summary>
/// ASP.NET Core Identity's <see cref="IEmailSender{TUser}"/> over an <see cref="IEmailConnector"/>: the confirmation
/// link is sent as usage type <c>Register</c> with <c>{{link}}</c>, the password reset link as <c>ForgotPassword</c>
/// with <c>{{link}}</c>, the reset code as <c>ForgotPassword</c> with <c>{{code}}</c>. Identity hands links HTML-encoded;
/// they are decoded first, so a template's <c>{{link}}</c> (escaped in html) comes out encoded once.
/// </summary>
/// <typeparam name="TUser">Identity's user type.</typeparam>
public sealed class ConnectorEmailSender<TUser> : IEmailSender<TUser>
    where TUser : class
{
    private readonly IdentityEmailConnector _mail;

    internal ConnectorEmailSender(IdentityEmailConnector mail) => _mail = mail;

    /// <inheritdoc/>
    public Task SendConfirmationLinkAsync(TUser user, string email, string confirmationLink) =>
        SendAsync(email, UsageType.Register, new EmailPayload { Link = WebUtility.HtmlDecode(confirmationLink) });

    /// <inheritdoc/>
    public Task SendPasswordResetLinkAsync(TUser user, string email, string resetLink) =>
        SendAsync(email, UsageType.ForgotPassword, new EmailPayload { Link = WebUtility.HtmlDecode(resetLink) });

    /// <inheritdoc/>
    public Task SendPasswordResetCodeAsync(TUser user, string email, string resetCode) =>
        SendAsync(email, UsageType.ForgotPassword, new EmailPayload { Code = resetCode });

    private Task SendAsync(string email, UsageType usage, EmailPayload payload) =>
        _mail.Connector.SendAsync(new EmailMessage(email, usage, payload with { Locale = _mail.Locale }));
}

/// <summary>The email connector of <see cref="ConnectorEmailSenderOptions"/>, created once.</summary>
internal sealed class IdentityEmailConnector(IConnectorRegistry registry, IOptions<ConnectorEmailSenderOptions> options)
{
    private readonly Lazy<IEmailConnector> _connector = new(() =>
    {
        var settings = options.Value;
        return settings.Config is { } config
            ? registry.Create<IEmailConnector>(settings.ConnectorId, config)
            : registry.Create<IEmailConnector>(settings.ConnectorId, settings.Configuration!);
    });

    public IEmailConnector Connector => _connector.Value;

    public string? Locale => options.Value.Locale;
}

/// <summary>Checks <see cref="ConnectorEmailSenderOptions"/> at start, the connector's config too (by creating it), so a
/// wrong config stops the host at start rather than failing the first mail.</summary>
internal sealed class ConnectorEmailSenderOptionsValidator(IServiceProvider services) : IValidateOptions<ConnectorEmailSenderOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectorEmailSenderOptions options)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectorId))
        {
            problems.Add("ConnectorEmailSenderOptions.ConnectorId is required (e.g. mailgun-email).");
        }

        if ((options.Config is null) == (options.Configuration is null))
        {
            problems.Add("ConnectorEmailSenderOptions needs exactly one of Config or Configuration.");
        }

        if (problems.Count == 0)
        {
            try
            {
                new IdentityEmailConnector(services.GetRequiredService<IConnectorRegistry>(), Options.Create(options)).Connector.ToString();
            }
            catch (ConnectorException exception)
            {
                problems.Add($"ConnectorEmailSenderOptions: {exception.Message}");
            }
            catch (InvalidOperationException)
            {
                problems.Add("ConnectorEmailSenderOptions needs the connectors and the email connector's package: services.AddConnectors().AddMailgun() (or another).");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
