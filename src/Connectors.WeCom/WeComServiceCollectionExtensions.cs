using Connectors.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Connectors.WeCom;

/// <summary>Registers the WeCom connector.</summary>
public static class WeComServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <c>wecom-universal</c> factory, its named <see cref="HttpClient"/> and the shared access-token
    /// cache. Safe to call more than once; each <paramref name="configure"/> is applied.
    /// </summary>
    public static ConnectorsBuilder AddWeCom(this ConnectorsBuilder builder, Action<WeComOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<WeComAccessTokenCache>();
        return builder.AddProvider<WeComConnectorFactory, WeComOptions>(WeComConnectorFactory.HttpClientName, configure);
    }
}
