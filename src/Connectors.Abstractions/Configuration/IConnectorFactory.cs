using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>Creates connectors of one kind from stored JSON configs (Logto's field names).</summary>
public interface IConnectorFactory
{
    /// <summary>What the connectors of this factory are.</summary>
    ConnectorMetadata Metadata { get; }

    /// <summary>Checks a config; returns every problem with its JSON path, or an empty list when the config is valid.</summary>
    IReadOnlyList<ConfigError> Validate(JsonElement config);

    /// <summary>Creates a connector from a config.</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidConfig"/> naming every problem (never a secret value).</exception>
    IConnector Create(JsonElement config);
}
