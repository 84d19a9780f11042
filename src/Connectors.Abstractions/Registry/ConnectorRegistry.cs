using System.Collections.Frozen;
using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>Every registered connector factory by connector id: how a multi-tenant identity server turns a stored
/// JSON config into a connector at run time.</summary>
public interface IConnectorRegistry
{
    /// <summary>The registered factories by connector id (e.g. <c>wecom-universal</c>).</summary>
    IReadOnlyDictionary<string, IConnectorFactory> Factories { get; }

    /// <summary>Creates a connector.</summary>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.NotImplemented"/> when no factory has <paramref name="connectorId"/>;
    /// <see cref="ConnectorErrorCode.InvalidConfig"/> when the config is invalid.
    /// </exception>
    IConnector Create(string connectorId, JsonElement config);
}

/// <summary>The default <see cref="IConnectorRegistry"/>.</summary>
public sealed class ConnectorRegistry : IConnectorRegistry
{
    /// <summary>Creates a registry of <paramref name="factories"/>.</summary>
    /// <exception cref="InvalidOperationException">When two factories share a connector id.</exception>
    public ConnectorRegistry(IEnumerable<IConnectorFactory> factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        var byId = new Dictionary<string, IConnectorFactory>(StringComparer.Ordinal);
        foreach (var factory in factories)
        {
            if (!byId.TryAdd(factory.Metadata.Id, factory) && !ReferenceEquals(byId[factory.Metadata.Id], factory))
            {
                throw new InvalidOperationException($"Two connector factories are registered with the id '{factory.Metadata.Id}'.");
            }
        }

        Factories = byId.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, IConnectorFactory> Factories { get; }

    /// <inheritdoc/>
    public IConnector Create(string connectorId, JsonElement config)
    {
        ArgumentNullException.ThrowIfNull(connectorId);
        if (!Factories.TryGetValue(connectorId, out var factory))
        {
            throw new ConnectorException(
                ConnectorErrorCode.NotImplemented,
                $"No connector with id '{connectorId}' is registered. Registered: {string.Join(", ", Factories.Keys.Order(StringComparer.Ordinal))}.");
        }

        return factory.Create(config);
    }
}
