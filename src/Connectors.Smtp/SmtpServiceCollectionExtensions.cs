using Connectors.Smtp;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SMTP connector.</summary>
public static class SmtpServiceCollectionExtensions
{
    /// <summary>Registers the <c>smtp</c> factory; <see cref="SmtpOptions"/> are validated at host start. Safe to call
    /// more than once; each <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddSmtp(this ConnectorsBuilder builder, Action<SmtpOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<SmtpConnectorFactory, SmtpOptions>(SmtpConnectorFactory.ProviderName, configure);
        return builder;
    }
}
