using Connectors.SendGrid;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SendGrid connector.</summary>
public static class SendGridServiceCollectionExtensions
{
    /// <summary>Registers the <c>sendgrid-email-service</c> factory and its named <see cref="HttpClient"/>;
    /// <see cref="SendGridOptions"/> are validated at host start. Safe to call more than once; each
    /// <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddSendGrid(this ConnectorsBuilder builder, Action<SendGridOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<SendGridConnectorFactory, SendGridOptions>(SendGridConnectorFactory.HttpClientName, configure);
        return builder;
    }
}
