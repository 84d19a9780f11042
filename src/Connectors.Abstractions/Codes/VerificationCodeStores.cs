using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;

namespace Connectors.Abstractions;

/// <summary>
/// Records in this process's memory. Each update runs under a lock of its key, so checks and changes of one recipient
/// are atomic: of 50 concurrent wrong guesses, exactly the allowed number are evaluated, the rest find the code locked.
/// Expired records are dropped when the store grows.
/// </summary>
public sealed class MemoryVerificationCodeStore(TimeProvider time) : IVerificationCodeStore
{
    private readonly Dictionary<string, (VerificationRecord Record, DateTimeOffset ExpiresAt)> _records = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>How many records are held (expired ones included until the next trim).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _records.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask<TResult> UpdateAsync<TResult>(string key, Func<VerificationRecord?, (VerificationRecord? Next, TResult Result)> update, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        var now = time.GetUtcNow();
        lock (_lock)
        {
            var current = _records.TryGetValue(key, out var held) && held.ExpiresAt > now ? held.Record : null;
            var (next, result) = update(current);
            if (next is null)
            {
                _records.Remove(key);
            }
            else
            {
                _records[key] = (next, now + lifetime);
            }

            if (_records.Count > 10_000 && _records.Count % 1_000 == 0)
            {
                foreach (var expired in _records.Where(r => r.Value.ExpiresAt <= now).Select(r => r.Key).ToList())
                {
                    _records.Remove(expired);
                }
            }

            return ValueTask.FromResult(result);
        }
    }
}

/// <summary>
/// Records in an <see cref="IDistributedCache"/>, for several server instances. <b>What it guarantees:</b> a code sent
/// by one instance is verified by any other; the attempt limit, cooldown and caps hold for requests that do not race
/// each other. <b>What it does not:</b> an <see cref="IDistributedCache"/> has no compare-and-set, so requests for one
/// recipient handled at the same moment by different instances may each read the same record: a guess racing another
/// can be evaluated before the other's count is written (at most one extra guess per racing instance), and a send
/// racing another can pass the cooldown. Within one instance, updates of one key are serialized.
/// </summary>
public sealed class DistributedVerificationCodeStore(IDistributedCache cache) : IVerificationCodeStore
{
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <inheritdoc/>
    public async ValueTask<TResult> UpdateAsync<TResult>(string key, Func<VerificationRecord?, (VerificationRecord? Next, TResult Result)> update, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(update);
        var stripe = _stripes[(StringComparer.Ordinal.GetHashCode(key) & int.MaxValue) % _stripes.Length];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var bytes = await cache.GetAsync(key, cancellationToken).ConfigureAwait(false);
            var (next, result) = update(bytes is null ? null : Read(bytes));
            if (next is null)
            {
                await cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await cache.SetAsync(key, Write(next), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime }, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        finally
        {
            stripe.Release();
        }
    }

    private static byte[] Write(VerificationRecord record)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (record.CodeHash is { } hash)
            {
                writer.WriteBase64String("h", hash);
            }

            writer.WriteNumber("e", record.CodeExpiresAt.ToUnixTimeMilliseconds());
            writer.WriteNumber("w", record.WrongAttempts);
            if (record.LockedUntil is { } locked)
            {
                writer.WriteNumber("l", locked.ToUnixTimeMilliseconds());
            }

            writer.WriteStartArray("s");
            foreach (var send in record.Sends)
            {
                writer.WriteNumberValue(send.ToUnixTimeMilliseconds());
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    // A record that cannot be read counts as none: the worst it costs is a fresh start for one recipient.
    private static VerificationRecord? Read(byte[] bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            static DateTimeOffset At(JsonElement value) => DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(value.GetInt64(), 0, 253402300799999));
            return new VerificationRecord
            {
                CodeHash = root.TryGetProperty("h", out var h) ? h.GetBytesFromBase64() : null,
                CodeExpiresAt = At(root.GetProperty("e")),
                WrongAttempts = root.GetProperty("w").GetInt32(),
                LockedUntil = root.TryGetProperty("l", out var l) ? At(l) : null,
                Sends = [.. root.GetProperty("s").EnumerateArray().Select(At)],
            };
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }
}
