using System.Net;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore;

/// <summary>Which email connector ASP.NET Core Identity's mail goes through.</summary>
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
public sealed class ConnectorEmailSender<TUser>(IConnectorRegistry registry, IOptions<ConnectorEmailSenderOptions> options) : IEmailSender<TUser>
    where TUser : class
{
    private readonly Lazy<IEmailConnector> _connector = new(() =>
    {
        var settings = options.Value;
        return settings.Config is { } config ? registry.Create<IEmailConnector>(settings.ConnectorId, config)
            : settings.Configuration is { } section ? registry.Create<IEmailConnector>(settings.ConnectorId, section)
            : throw new InvalidOperationException("ConnectorEmailSenderOptions needs Config or Configuration.");
    });

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
        _connector.Value.SendAsync(new EmailMessage(email, usage, payload with { Locale = options.Value.Locale }));
}
