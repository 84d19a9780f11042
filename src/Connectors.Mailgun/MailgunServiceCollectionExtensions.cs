using Connectors.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Mailgun;

/// <summary>Registers the Mailgun connector.</summary>
public static class MailgunServiceCollectionExtensions
{
    /// <summary>Registers the <c>mailgun-email</c> factory and its named <see cref="HttpClient"/>. Safe to call more than
    /// once; each <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddMailgun(this ConnectorsBuilder builder, Action<MailgunOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddProvider<MailgunConnectorFactory, MailgunOptions>(MailgunConnectorFactory.HttpClientName, configure);
    }
}
