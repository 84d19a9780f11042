using Microsoft.Extensions.Logging.Testing;
using Xunit;

namespace Connectors.Testing;

/// <summary>One WireMock process for a test assembly's WireMock collection.</summary>
public sealed class WireMockFixture : IAsyncLifetime
{
    private WireMockServer? _server;

    /// <summary>The running server.</summary>
    public WireMockServer Server => _server ?? throw new InvalidOperationException("WireMock is not started.");

    /// <inheritdoc/>
    public async Task InitializeAsync() => _server = await WireMockServer.StartAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// The base of contract tests: WireMock is reset before each test, and logs are captured so that tests can check
/// that no secret is logged. Test classes deriving from it belong to the assembly's <c>[Collection("WireMock")]</c>,
/// so they never share WireMock state concurrently.
/// </summary>
public abstract class WireMockTest : IAsyncLifetime
{
    /// <summary>The collection name every WireMock test class uses.</summary>
    public const string Collection = "WireMock";

    /// <summary>Creates the test around the shared fixture.</summary>
    protected WireMockTest(WireMockFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        WireMock = fixture.Server;
    }

    /// <summary>The WireMock server.</summary>
    protected WireMockServer WireMock { get; }

    /// <summary>Every log line written during the test.</summary>
    protected FakeLoggerProvider Logs { get; } = new();

    /// <inheritdoc/>
    public virtual Task InitializeAsync() => WireMock.ResetAsync();

    /// <inheritdoc/>
    public virtual Task DisposeAsync() => Task.CompletedTask;
}
