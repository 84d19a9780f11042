using System.Text.Json;
using Microsoft.Extensions.Caching.Distributed;

namespace Connectors.Abstractions;

/// <summary>
/// Records in this process's memory. Each update runs under the store's lock, so checks and changes of one recipient
/// are atomic: of 50 concurrent wrong guesses, exactly the allowed number are evaluated, the rest find the code locked.
/// Bounded: at most <see cref="Capacity"/> records, expired ones dropped as time passes, at most 16 per update (records
/// of one lifetime expire in the order they were written, so finding them costs nothing). At the cap it fails closed: an update that would
/// add a record (a first send to a new address or from a new client) is refused with
/// <see cref="ConnectorErrorCode.RateLimitExceeded"/> until records expire; records already held keep working.
/// </summary>
public sealed class MemoryVerificationCodeStore : IVerificationCodeStore
{
    /// <summary>The default <see cref="Capacity"/>: 100,000 records (about 36 MiB).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Dictionary<string, LinkedListNode<Entry>> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<TimeSpan, LinkedList<Entry>> _expiryOrder = [];
    private readonly TimeProvider _time;
    private readonly object _lock = new();

    /// <summary>Creates the store.</summary>
    /// <param name="time">The clock of record expiry.</param>
    /// <param name="capacity">The most records held; <see cref="DefaultCapacity"/> when not given.</param>
    public MemoryVerificationCodeStore(TimeProvider time, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Capacity = capacity;
    }

    /// <summary>The most records held.</summary>
    public int Capacity { get; }

    /// <summary>How many records are held (expired ones included until the next update drops them).</summary>
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
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.RateLimitExceeded"/> when the store is at
    /// <see cref="Capacity"/> and the update would add a record.</exception>
    public ValueTask<TResult> UpdateAsync<TResult>(string key, Func<VerificationRecord?, (VerificationRecord? Next, TResult Result)> update, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(update);
        cancellationToken.ThrowIfCancellationRequested();
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            DropExpired(now);
            _records.TryGetValue(key, out var node);
            var (next, result) = update(node is not null && node.Value.ExpiresAt > now ? node.Value.Record : null);
            if (node is not null)
            {
                node.List!.Remove(node);
                _records.Remove(key);
            }

            if (next is not null)
            {
                if (node is null && _records.Count >= Capacity)
                {
                    throw new ConnectorException(
                        ConnectorErrorCode.RateLimitExceeded,
                        $"The verification-code store holds its maximum of {Capacity} records; no new address can be served until older records expire. Try again later.")
                    {
                        Operation = "send-code",
                    };
                }

                if (!_expiryOrder.TryGetValue(lifetime, out var order))
                {
                    _expiryOrder[lifetime] = order = new LinkedList<Entry>();
                }

                _records[key] = order.AddLast(new Entry(key, next, now + lifetime));
            }

            return ValueTask.FromResult(result);
        }
    }

    // At most a few per update, so no single update pays for a mass expiry; an update adds at most one record, so
    // expired ones still go faster than records come.
    private const int DropsPerUpdate = 16;

    private void DropExpired(DateTimeOffset now)
    {
        var dropped = 0;
        foreach (var order in _expiryOrder.Values)
        {
            while (dropped < DropsPerUpdate && order.First is { } first && first.Value.ExpiresAt <= now)
            {
                order.RemoveFirst();
                _records.Remove(first.Value.Key);
                dropped++;
            }
        }
    }

    private sealed record Entry(string Key, VerificationRecord Record, DateTimeOffset ExpiresAt);
}

/// <summary>
/// Records in an <see cref="IDistributedCache"/>. <b>Not for several instances</b>: an <see cref="IDistributedCache"/>
/// has no compare-and-set, so requests for one recipient handled at the same moment by different instances each read
/// the same record and the last write wins. Measured with two processes on one Redis (40 trials): of 2 x 100
/// concurrent wrong guesses at <c>MaxAttempts</c> 5, 5 to 13 were compared, and a late write of an older record can
/// erase a lock; of 2 x 50 concurrent sends from one client at a cap of 20, 22 to 45 went out. Within one instance
/// updates of one key are serialized, so one instance gets the exact limits (as in memory) with records that outlive
/// a restart. For several instances use Connectors.Redis (<c>UseRedis</c>), whose store is exact across instances.
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
            var (next, result) = update(bytes is null ? null : VerificationRecordFormat.Read(bytes));
            if (next is null)
            {
                await cache.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await cache.SetAsync(key, VerificationRecordFormat.Write(next), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime }, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        finally
        {
            stripe.Release();
        }
    }
}

/// <summary>How a shared store writes a <see cref="VerificationRecord"/> (the <c>IDistributedCache</c> and Redis stores).</summary>
public static class VerificationRecordFormat
{
    /// <summary>The record as compact JSON (times in Unix milliseconds, the hash in base64).</summary>
    public static byte[] Write(VerificationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
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

    /// <summary>The record <see cref="Write"/> wrote; null for anything else. A record that cannot be read counts as
    /// none: only someone who can write the store can cause it, and they could as well delete it.</summary>
    public static VerificationRecord? Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
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
