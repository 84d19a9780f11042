using Connectors.Mailgun;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Mailgun connector.</summary>
public static class MailgunServiceCollectionExtensions
{
    /// <summary>Registers the <c>mailgun-email</c> factory and its named <see cref="HttpClient"/>;
    /// <see cref="MailgunOptions"/> are validated at host start. Safe to call more than once; each
    /// <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddMailgun(this ConnectorsBuilder builder, Action<MailgunOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<MailgunConnectorFactory, MailgunOptions>(MailgunConnectorFactory.HttpClientName, configure);
        return builder;
    }
}
