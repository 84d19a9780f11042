using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using MailKit.Security;

namespace Connectors.Smtp;

/// <summary>An SMTP connector config, with the field names of Logto's <c>connector-smtp</c> (<c>host</c>, <c>port</c>,
/// <c>auth.user</c>, <c>auth.pass</c>, <c>fromEmail</c>, <c>replyTo</c>, <c>templates</c>, <c>secure</c>,
/// <c>ignoreTLS</c>, <c>servername</c>). Logto's nodemailer settings (timeouts, <c>requireTLS</c>, <c>tls</c>, <c>name</c>,
/// <c>customHeaders</c>, debugging) are known and ignored: timeouts come from <see cref="SmtpOptions"/>, and TLS is always required unless <c>ignoreTLS</c>.</summary>
/// <param name="Host">The server's host name or address.</param>
/// <param name="Port">Its port: by default 465 with <c>secure</c>, else 587.</param>
/// <param name="User">The login user.</param>
/// <param name="Password">The login password (prints as <c>***</c>).</param>
/// <param name="FromEmail">The sender, <c>Name &lt;addr@domain&gt;</c> or a bare address.</param>
/// <param name="ReplyTo">The Reply-To for every message, unless a template has its own.</param>
/// <param name="Templates">The deliveries by usage type: Logto's list (<c>usageType</c>, <c>contentType</c>, <c>subject</c>, <c>content</c>, optional <c>locale</c>).</param>
/// <param name="Security">TLS from the start (<c>secure</c>), STARTTLS required (the default), or none (<c>ignoreTLS</c>, allowed hosts only).</param>
/// <param name="ServerName">The name the certificate must carry, when not <paramref name="Host"/> (<c>servername</c>).</param>
public sealed record SmtpConfig(string Host, int Port, string User, Secret Password, string FromEmail, string? ReplyTo, EmailDeliveries Templates, SecureSocketOptions Security, string? ServerName)
{
    internal static readonly EmailDeliveryFields Fields = new(SmtpConnectorFactory.ProviderName);

    /// <inheritdoc/>
    public override string ToString() => $"SmtpConfig {{ Host = {Host}, Port = {Port}, User = {User}, Password = {Password}, FromEmail = {FromEmail}, Security = {Security} }}";

    internal static SmtpConfig? Parse(ConfigReader reader, SmtpOptions options)
    {
        var root = reader.Root;
        reader.Ignore("requireTLS", "tls", "name", "localAddress", "connectionTimeout", "greetingTimeout", "socketTimeout", "dnsTimeout", "logger", "debug", "disableFileAccess", "disableUrlAccess", "customHeaders");
        var host = reader.RequiredString("host")?.Trim();
        if (host is not null && Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
        {
            reader.AddError("host", "must be a host name or an IP address, without scheme or port");
        }

        var secure = reader.OptionalBoolean(root, "secure", "secure", fallback: false);
        var ignoreTls = reader.OptionalBoolean(root, "ignoreTLS", "ignoreTLS", fallback: false);
        if (ignoreTls && (secure || host is null || !options.IsAllowed(host)))
        {
            reader.AddError("ignoreTLS", secure ? "contradicts secure: true" : "would send the password and the code unencrypted; only a host SmtpOptions.AllowedHosts lists may be used without TLS");
        }

        var port = reader.OptionalInteger(root, "port", "port", 1, 65535) ?? (secure ? 465 : 587);
        var auth = reader.RequiredObject("auth");
        if (auth is { } login && reader.OptionalString(login, "type", "auth.type")?.Trim().ToLowerInvariant() is { } type && type != "login")
        {
            reader.AddError("auth.type", "must be login: OAuth2 is not supported (use the provider's app password)");
        }

        var user = auth is { } a ? reader.RequiredString(a, "user", "auth.user") : null;
        var pass = auth is { } b ? reader.RequiredString(b, "pass", "auth.pass") : null;
        var from = EmailAddress.ReadMailbox(reader, "fromEmail", required: true);
        var replyTo = EmailAddress.ReadMailbox(reader, "replyTo", required: false);
        var templates = EmailDeliveries.ReadTemplates(reader, Fields);
        var security = secure ? SecureSocketOptions.SslOnConnect : ignoreTls ? SecureSocketOptions.None : SecureSocketOptions.StartTls;
        return host is null || user is null || pass is null || from is null || templates is null || !reader.IsValid ? null
            : new SmtpConfig(host, port, user, new Secret(pass), from, replyTo, templates, security, reader.OptionalString("servername")?.Trim());
    }
}
