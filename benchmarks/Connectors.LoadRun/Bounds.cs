using System.Diagnostics;
using Connectors.Abstractions;
using Connectors.AspNetCore;
using Connectors.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

/// <summary>
/// The memory bounds, measured: the in-memory code store under a million recipients, and the scheme's replay memory
/// under 100,000 completed sign-ins. Prints counts, heap and latencies.
/// </summary>
internal static class Bounds
{
    public static async Task RunAsync()
    {
        await CodesAsync();
        Replays();
    }

    private static async Task CodesAsync()
    {
        var time = new ManualTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddConnectors().AddVerificationCodes(o => o.ResendCooldown = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();
        var codes = provider.GetRequiredService<VerificationCodeService>();
        var store = (MemoryVerificationCodeStore)provider.GetRequiredService<IVerificationCodeStore>();
        var email = new NoEmail();
        const int Recipients = 1_000_000;
        var refused = 0;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Recipients; i++)
        {
            try
            {
                await codes.SendAsync(email, $"user{i}@example.com", UsageType.SignIn);
            }
            catch (ConnectorException exception) when (exception.Code == ConnectorErrorCode.RateLimitExceeded)
            {
                refused++;
            }
        }

        watch.Stop();
        var heap = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        for (var i = 0; i < 1_000; i++)
        {
            await codes.VerifyAsync($"warm{i}@example.com", UsageType.SignIn, "000000"); // JIT, first-call costs
        }

        var collections = GC.CollectionCount(0);
        var latencies = new double[10_000];
        for (var i = 0; i < latencies.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await codes.VerifyAsync($"user{i * 97 % Recipients}@example.com", UsageType.SignIn, "000000");
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(latencies);
        Console.WriteLine($"codes: {Recipients} sends to distinct recipients in {watch.Elapsed.TotalSeconds:0.0} s; held {store.Count} records (cap {store.Capacity}), refused {refused}; heap +{heap / 1048576.0:0.0} MiB");
        Console.WriteLine($"codes: 10,000 verifies at the cap: p50 {latencies[5_000] * 1000:0.0} us, p99 {latencies[9_899] * 1000:0.0} us, p99.9 {latencies[9_989] * 1000:0.0} us, max {latencies[^1] * 1000:0.0} us ({GC.CollectionCount(0) - collections} gen-0 collections meanwhile)");

        time.Advance(TimeSpan.FromHours(1));
        collections = GC.CollectionCount(0);
        for (var i = 0; i < latencies.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await codes.SendAsync(email, $"after{i}@example.com", UsageType.SignIn);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(latencies);
        Console.WriteLine($"codes: an hour later (all {store.Capacity} expired), 10,000 sends to new addresses: p50 {latencies[5_000] * 1000:0.0} us, p99 {latencies[9_899] * 1000:0.0} us, max {latencies[^1] * 1000:0.0} us ({GC.CollectionCount(0) - collections} gen-0 collections); held {store.Count}");
    }

    private static void Replays()
    {
        var attempts = new ConsumedAttempts(Options.Create(new ConnectorReplayOptions()));
        var start = DateTimeOffset.UtcNow;
        const int Pairs = 100_000;
        const int Block = 10_000;
        var max = 0;
        var refused = 0;
        var rates = new List<double>();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Pairs; i++)
        {
            // 100,000 sign-ins completing within one 15-minute timeout: none expires during the run.
            var now = start.AddMilliseconds(i);
            if (attempts.TryConsume($"scheme:attempt{i:D32}", now.AddMinutes(15), now) != Consumption.Consumed)
            {
                refused++;
            }

            max = Math.Max(max, attempts.Count);
            if ((i + 1) % Block == 0)
            {
                rates.Add(Block / watch.Elapsed.TotalSeconds);
                watch.Restart();
            }
        }

        var steady = rates.Skip(1).Order().ToList(); // the first block includes JIT
        Console.WriteLine($"replays: {Pairs} callbacks, at most {max} remembered (cap {new ConnectorReplayOptions().Capacity}), refused {refused}; per 10,000 after the first: median {steady[steady.Count / 2] / 1e6:0.00}M/s, min {steady[0] / 1e6:0.00}M/s, max {steady[^1] / 1e6:0.00}M/s; first 10,000 {rates[0] / 1e6:0.00}M/s, last {rates[^1] / 1e6:0.00}M/s");
        var full = attempts.TryConsume("scheme:one-more", start.AddMinutes(16), start.AddMinutes(1));
        Console.WriteLine($"replays: one more within the timeout: {full}");
    }

    private sealed class NoEmail : IEmailConnector
    {
        public ConnectorMetadata Metadata => throw new NotSupportedException();

        public Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default) => Task.FromResult(new EmailSendResult(null));
    }
}
