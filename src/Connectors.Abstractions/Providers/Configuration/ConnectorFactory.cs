using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// The base of every provider factory: parse with a <see cref="ConfigReader"/>, report every problem, create the
/// connector from the typed config.
/// </summary>
/// <typeparam name="TConfig">The provider's typed config record.</typeparam>
public abstract class ConnectorFactory<TConfig> : IConnectorFactory
    where TConfig : class
{
    private readonly ConnectorTelemetry _telemetry;

    /// <summary>Creates the factory; <paramref name="logger"/> receives the failures of <see cref="Create"/>, which are
    /// counted in the meter <paramref name="meterFactory"/> creates (<see cref="ConnectorsDiagnostics.Meter"/> when null).</summary>
    protected ConnectorFactory(ILogger? logger = null, IMeterFactory? meterFactory = null)
    {
        _telemetry = new ConnectorTelemetry(logger ?? NullLogger.Instance, meterFactory);
    }

    /// <inheritdoc/>
    public abstract ConnectorMetadata Metadata { get; }

    /// <inheritdoc/>
    public IReadOnlyList<ConfigError> Validate(JsonElement config)
    {
        return Read(config, out _).Errors;
    }

    /// <inheritdoc/>
    /// <remarks>An invalid config is counted and logged as a failure of the provider's <c>create</c> operation.</remarks>
    public IConnector Create(JsonElement config)
    {
        var reader = Read(config, out var parsed);
        if (!reader.IsValid || parsed is null)
        {
            var failure = InvalidConfig(Metadata.Id, reader.Errors, Metadata.Name);
            _telemetry.RecordFailure(failure);
            throw failure;
        }

        return CreateConnector(parsed);
    }

    /// <summary>Parses and validates a config into its typed form.</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidConfig"/> naming every problem.</exception>
    public TConfig ParseConfig(JsonElement config)
    {
        var reader = Read(config, out var parsed);
        if (!reader.IsValid || parsed is null)
        {
            throw InvalidConfig(Metadata.Id, reader.Errors, Metadata.Name);
        }

        return parsed;
    }

    // Parses, then reports the fields no read asked for (typos), so that every problem is named at once.
    private ConfigReader Read(JsonElement config, out TConfig? parsed)
    {
        var reader = new ConfigReader(config);
        parsed = Parse(reader);
        reader.ReportUnknownFields();
        return reader;
    }

    /// <summary>Reads the config; records every problem on <paramref name="reader"/>. Returns null when it cannot build the config.</summary>
    protected abstract TConfig? Parse(ConfigReader reader);

    /// <summary>Creates the connector from a valid config.</summary>
    protected abstract IConnector CreateConnector(TConfig config);

    internal static ConnectorException InvalidConfig(string connectorId, IReadOnlyList<ConfigError> errors, string? provider = null) =>
        new(ConnectorErrorCode.InvalidConfig,
            $"The {connectorId} config is invalid: {string.Join("; ", errors)}.")
        {
            Provider = provider,
            Operation = provider is null ? null : "create",
            ConfigErrors = errors,
        };
}
