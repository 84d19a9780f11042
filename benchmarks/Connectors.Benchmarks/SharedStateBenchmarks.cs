using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Connectors.Benchmarks;

/// <summary>A redis-server of this benchmark process (Debian's; no persistence, a unix socket, no TCP port).</summary>
internal sealed class BenchRedis : IDisposable
{
    private readonly Process _server;
    private readonly string _directory = Directory.CreateTempSubdirectory("connectors-bench-redis-").FullName;

    public BenchRedis()
    {
        var socket = Path.Combine(_directory, "redis.sock");
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--port", "0", "--unixsocket", socket, "--save", string.Empty, "--appendonly", "no", "--dir", _directory })
        {
            start.ArgumentList.Add(argument);
        }

        _server = Process.Start(start)!;
        while (_server.StandardOutput.ReadLine() is { } line && !line.Contains("eady to accept connections", StringComparison.Ordinal))
        {
        }

        Configuration = "!" + socket;
    }

    public string Configuration { get; }

    public void Dispose()
    {
        _server.Kill();
        _server.WaitForExit();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>One email code sent and verified (the email connector does nothing), with the records in memory or on
/// Redis (a local redis-server over a unix socket: each update is a GET and a compare-and-set script).</summary>
[MemoryDiagnoser]
public class CodeSendVerify
{
    private readonly NoMail _mail = new();
    private BenchRedis? _redis;
    private ServiceProvider? _services;
    private VerificationCodeService _codes = null!;
    private int _next;

    [Params("memory", "redis")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public void Setup()
    {
        var connectors = new ServiceCollection().AddConnectors();
        if (Store == "redis")
        {
            _redis = new BenchRedis();
            connectors.UseRedis(_redis.Configuration);
        }

        // Addresses are reused, so no cooldown and a send window too short to keep sends: a steady state.
        connectors.AddVerificationCodes(o =>
        {
            o.HashKey = new byte[32];
            o.ResendCooldown = TimeSpan.Zero;
            o.SendWindow = TimeSpan.FromMilliseconds(1);
            o.MaxSendsPerRecipient = int.MaxValue;
        });
        _services = connectors.Services.BuildServiceProvider();
        _codes = _services.GetRequiredService<VerificationCodeService>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services?.Dispose();
        _redis?.Dispose();
    }

    [Benchmark(Description = "send + verify")]
    public async Task<VerificationResult> SendAndVerify()
    {
        var address = $"user{Interlocked.Increment(ref _next) % 1000}@example.com";
        await _codes.SendAsync(_mail, address, UsageType.SignIn);
        return (await _codes.VerifyAsync(address, UsageType.SignIn, _mail.Code)).Result;
    }

    private sealed class NoMail : IEmailConnector
    {
        public string Code { get; private set; } = string.Empty;

        public ConnectorMetadata Metadata { get; } = new("none", "none", ConnectorType.Email, "None", "Sends nothing.", []);

        public Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
        {
            Code = message.Payload.Code!;
            return Task.FromResult(new EmailSendResult(null));
        }
    }
}

/// <summary>The application-token cache: a hit in this process, and an instance's first call for an app whose token
/// another instance put in the shared store (lease, read, end of lease), in a memory <c>IDistributedCache</c> or on Redis.</summary>
[MemoryDiagnoser]
public class TokenCacheHit
{
    private static readonly TokenCacheKey Key = TokenCacheKey.Create("Bench", "corp", "secret");
    private static readonly Func<CancellationToken, Task<ApplicationToken>> Fetch = _ => Task.FromResult(new ApplicationToken("token-1", TimeSpan.FromHours(2)));
    private BenchRedis? _redis;
    private ServiceProvider? _services;
    private ISharedTokenStore? _store;
    private IDistributedCache? _cache;
    private ApplicationTokenCache _warm = null!;

    [Params("memory", "redis")]
    public string Store { get; set; } = "memory";

    [GlobalSetup]
    public void Setup()
    {
        if (Store == "redis")
        {
            _redis = new BenchRedis();
            _services = new ServiceCollection().AddConnectors().UseRedis(_redis.Configuration).Services.BuildServiceProvider();
            _store = _services.GetRequiredService<ISharedTokenStore>();
        }
        else
        {
            _cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        }

        _warm = NewInstance();
        _warm.GetAsync(Key, Fetch).AsTask().GetAwaiter().GetResult(); // writes the shared entry too
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services?.Dispose();
        _redis?.Dispose();
    }

    private ApplicationTokenCache NewInstance() =>
        new("Bench", new ApplicationTokenCacheOptions { UseDistributedCache = _cache is not null }, TimeProvider.System, NullLogger.Instance, _cache, sharedStore: _store);

    [Benchmark(Description = "hit in this process")]
    public ValueTask<string> LocalHit() => _warm.GetAsync(Key, Fetch);

    [Benchmark(Description = "first call of an instance: the shared store's token")]
    public ValueTask<string> SharedHit() => NewInstance().GetAsync(Key, Fetch);
}
