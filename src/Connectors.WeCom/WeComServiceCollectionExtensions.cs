using Connectors.WeCom;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the WeCom connector.</summary>
public static class WeComServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <c>wecom-universal</c> factory (which holds the access-token cache shared by every WeCom
    /// connector) and its named <see cref="HttpClient"/>; <see cref="WeComOptions"/> are validated at host start.
    /// Safe to call more than once; each <paramref name="configure"/> is applied.
    /// </summary>
    public static ConnectorsBuilder AddWeCom(this ConnectorsBuilder builder, Action<WeComOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<WeComConnectorFactory, WeComOptions>(WeComConnectorFactory.HttpClientName, configure);
        return builder;
    }
}
