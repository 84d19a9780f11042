using System.Net;
using System.Net.Sockets;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using MimeKit.Utils;

namespace Connectors.Smtp;

/// <summary>Sends verification emails over SMTP with MailKit, on the email engine: one connection per message, to an
/// address checked as public (or allowed), TLS or STARTTLS unless the host is allowed without, login, one
/// transaction that is never repeated. A failure once the message may have been handed over is
/// <see cref="ConnectorException.OutcomeUnknown"/>; a failed QUIT after the server accepted it changes nothing.</summary>
internal sealed class SmtpEmailConnector(SmtpConfig config, SmtpOptions options, ProviderHttpClient http) : IEmailConnector
{
    /// <inheritdoc/>
    public ConnectorMetadata Metadata => SmtpConnectorFactory.ConnectorMetadata;

    /// <inheritdoc/>
    /// <exception cref="ConnectorException">As <see cref="EmailComposer.Compose"/> before any connection; then
    /// <see cref="ConnectorErrorCode.InvalidConfig"/> (a non-public host, TLS, login or sender refused),
    /// <see cref="ConnectorErrorCode.InvalidRequestParameters"/> (recipient refused) or
    /// <see cref="ConnectorErrorCode.General"/> (unreachable, refused, timed out; possibly sent when it broke after
    /// the message went out).</exception>
    public async Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var email = EmailComposer.Compose(message, config.Templates, SmtpConfig.Fields, http);
        var mime = Mime(email);
        string[] secrets = [config.Password.Reveal(), message.Payload.Code ?? string.Empty, message.Payload.Link ?? string.Empty];
        using var budget = new OperationBudget(options.Http.OverallTimeout, http.TimeProvider, cancellationToken);
        using var client = new SmtpClient { Timeout = (int)options.Http.AttemptTimeout.TotalMilliseconds, ServerCertificateValidationCallback = options.ServerCertificateValidation };
        bool handedOver = false, accepted = false;
        try
        {
            using var socket = await ProviderNetwork.ConnectAsync(new DnsEndPoint(config.Host, config.Port), endpoint => options.IsAllowed(endpoint.Host), budget.Token).ConfigureAwait(false);
            await client.ConnectAsync(socket, config.ServerName ?? config.Host, config.Port, config.Security, budget.Token).ConfigureAwait(false);
            await client.AuthenticateAsync(config.User, config.Password.Reveal(), budget.Token).ConfigureAwait(false);
            handedOver = true; // from MAIL FROM on, a broken connection may leave the message sent
            await client.SendAsync(mime, budget.Token).ConfigureAwait(false);
            accepted = true;
            await client.DisconnectAsync(quit: true, budget.Token).ConfigureAwait(false);
        }
        catch (Exception) when (accepted)
        {
            // The server accepted the message: a failed QUIT changes nothing.
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && Describe(exception, handedOver, budget.IsExhausted) is { } failure)
        {
            throw http.FailProtocol("send", failure, exception, outcomeUnknown: handedOver && exception is not SmtpCommandException, secrets);
        }

        return new EmailSendResult(mime.MessageId);
    }

    private MimeMessage Mime(ComposedEmail email)
    {
        var mime = new MimeMessage { Subject = email.Subject ?? string.Empty, Body = new BodyBuilder { HtmlBody = email.Html, TextBody = email.Text }.ToMessageBody() };
        var from = MailboxAddress.Parse(config.FromEmail);
        mime.From.Add(from);
        mime.To.Add(MailboxAddress.Parse(email.To));
        if ((email.ReplyTo ?? config.ReplyTo) is { } replyTo)
        {
            mime.ReplyTo.Add(EmailAddress.IsValidMailbox(replyTo) ? MailboxAddress.Parse(replyTo)
                : throw http.Reject("send", ConnectorErrorCode.InvalidRequestParameters, "The template's replyTo did not render to one address; check the payload values it uses."));
        }

        mime.MessageId = MimeUtils.GenerateMessageId(from.Domain);
        return mime;
    }

    private ProviderFailure? Describe(Exception exception, bool handedOver, bool timedOut) => exception switch
    {
        ProviderAddressRefusedException refused => new(ConnectorErrorCode.InvalidConfig, $"was not sent: {refused.Message}. A config may name public hosts only; a host application that means to reach this one lists it in SmtpOptions.AllowedHosts"),
        SslHandshakeException or NotSupportedException => new(ConnectorErrorCode.InvalidConfig, $"could not set up TLS with {config.Host}:{config.Port}: check the port (465 with secure: true, else 587 with STARTTLS), the servername and the server's certificate"),
        AuthenticationException => new(ConnectorErrorCode.InvalidConfig, $"was refused the login at {config.Host}:{config.Port}: check auth.user and auth.pass"),
        SmtpCommandException e => new(e.ErrorCode switch { SmtpErrorCode.SenderNotAccepted => ConnectorErrorCode.InvalidConfig, SmtpErrorCode.RecipientNotAccepted => ConnectorErrorCode.InvalidRequestParameters, _ => ConnectorErrorCode.General }, $"was refused at {e.ErrorCode switch { SmtpErrorCode.SenderNotAccepted => "MAIL FROM (check that auth.user may send as fromEmail)", SmtpErrorCode.RecipientNotAccepted => "RCPT TO", _ => "DATA" }}: {(int)e.StatusCode} {SafeText.FromProvider(e.Message)}") { ProviderErrorCode = ((int)e.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), IsTransient = (int)e.StatusCode < 500 },
        OperationCanceledException when timedOut => new(ConnectorErrorCode.General, $"did not complete within {options.Http.OverallTimeout.TotalSeconds:0.###} s (ConnectorHttpOptions.OverallTimeout){(handedOver ? "; the message may have been sent" : string.Empty)}"),
        IOException or SocketException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException => new(ConnectorErrorCode.General, handedOver ? $"lost the connection to {config.Host}:{config.Port} while handing the message over; it may have been sent" : $"could not reach {config.Host}:{config.Port}: check the host and port, and that this server may connect to it"),
        _ => null,
    };
}
