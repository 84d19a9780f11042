using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Connectors.Abstractions;

/// <summary>Typed creation: <c>registry.Create&lt;ISocialConnector&gt;("wecom-universal", section)</c>.</summary>
public static class ConnectorRegistryExtensions
{
    /// <summary>Creates a connector of the kind <typeparamref name="TConnector"/> (<see cref="ISocialConnector"/>,
    /// <see cref="IEmailConnector"/>).</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidConfig"/> for an invalid config or a
    /// connector of another kind; <see cref="ConnectorErrorCode.NotImplemented"/> for an unknown id.</exception>
    public static TConnector Create<TConnector>(this IConnectorRegistry registry, string connectorId, JsonElement config)
        where TConnector : class, IConnector
    {
        ArgumentNullException.ThrowIfNull(registry);
        var connector = registry.Create(connectorId, config);
        return connector as TConnector ?? throw new ConnectorException(
            ConnectorErrorCode.InvalidConfig,
            $"The connector '{connectorId}' is a {connector.Metadata.Type} connector, not an {typeof(TConnector).Name}.");
    }

    /// <summary>Creates a connector from a configuration section holding its Logto-format config (appsettings,
    /// environment variables <c>Connectors__WeCom__corpId</c>, user secrets, a vault).</summary>
    /// <exception cref="ConnectorException">As <see cref="Create{TConnector}(IConnectorRegistry, string, JsonElement)"/>;
    /// also <see cref="ConnectorErrorCode.InvalidConfig"/> when the section is missing or empty.</exception>
    public static TConnector Create<TConnector>(this IConnectorRegistry registry, string connectorId, IConfiguration section)
        where TConnector : class, IConnector
    {
        ArgumentNullException.ThrowIfNull(section);
        if (!section.GetChildren().Any())
        {
            var path = (section as IConfigurationSection)?.Path;
            throw new ConnectorException(ConnectorErrorCode.InvalidConfig, $"The configuration section{(path is null ? string.Empty : " '" + path + "'")} for '{connectorId}' is missing or empty.");
        }

        return registry.Create<TConnector>(connectorId, ConnectorConfiguration.ToJson(section));
    }
}
