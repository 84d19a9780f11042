using Microsoft.Extensions.Logging.Testing;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Connectors.Testing;

/// <summary>Builds connectors the way a host does: DI, <c>AddConnectors()</c>, the registry, captured logs.</summary>
public static class ConnectorHost
{
    /// <summary>Builds a service provider with captured logging and the given registrations.</summary>
    public static ServiceProvider Build(FakeLoggerProvider logs, Action<ConnectorsBuilder> configure, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        configure(services.AddConnectors());
        return services.BuildServiceProvider();
    }

    /// <summary>Timeouts far beyond the defaults (5 s an attempt), for tests against a real provider process on this
    /// machine (oidc-provider, the simulators): a loaded machine must not fail a sign-in the test does not mean to time.</summary>
    public static void Generous(ConnectorHttpOptions http)
    {
        ArgumentNullException.ThrowIfNull(http);
        (http.AttemptTimeout, http.OverallTimeout, http.TotalTimeout) = (GenerousAttempt, 2 * GenerousAttempt, 3 * GenerousAttempt);
    }

    /// <summary><see cref="Generous"/> as command-line configuration of a sample host that binds <c>Http</c> to every
    /// provider's <see cref="ConnectorHttpOptions"/>.</summary>
    public static string[] GenerousArguments { get; } = ["--Http:AttemptTimeout", $"{GenerousAttempt:c}", "--Http:OverallTimeout", $"{2 * GenerousAttempt:c}", "--Http:TotalTimeout", $"{3 * GenerousAttempt:c}"];

    private static TimeSpan GenerousAttempt => TimeSpan.FromMinutes(2);

    /// <summary>Creates a connector from a JSON config through the registry. The document is disposed right after,
    /// as a host reading configs from a database would: a connector must not keep references into it.</summary>
    public static T Create<T>(this IServiceProvider services, string connectorId, string configJson)
        where T : IConnector
    {
        using var document = JsonDocument.Parse(configJson);
        return (T)services.GetRequiredService<IConnectorRegistry>().Create(connectorId, document.RootElement);
    }

    /// <summary>Parses JSON into a detached element.</summary>
    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
