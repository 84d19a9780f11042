using Connectors.Abstractions;
using StackExchange.Redis;

namespace Connectors.Redis;

/// <summary>
/// Verification records on Redis, exact across any number of instances: every update is a compare-and-set on the
/// server (a script writes the next record only if the record is still the one the update read, and otherwise the
/// update runs again on the newer one), so of any number of concurrent wrong guesses from any instances exactly
/// <see cref="VerificationCodeOptions.MaxAttempts"/> are compared, a lock is never overwritten by an older record, a
/// code verifies once, and the cooldown and caps count every send. Within one instance, updates of one key wait for
/// each other first, so only instances contend. Records expire on the server (<c>PX</c>). When Redis cannot be
/// reached, an update fails closed with a <see cref="ConnectorException"/> (<see cref="ConnectorErrorCode.General"/>,
/// provider <c>Redis</c>): no code is sent and no guess is judged.
/// </summary>
public sealed class RedisVerificationCodeStore : IVerificationCodeStore
{
    /// <summary>How often an update is tried again when another instance wrote the same record in between.</summary>
    public const int MaxRounds = 100;

    // ARGV: 1 = whether a record was read, 2 = the record read, 3 = the next one ('' removes it), 4 = its lifetime in ms.
    private const string CompareAndSet = """
        local current = redis.call('GET', KEYS[1])
        if ARGV[1] == '0' then
          if current then return 0 end
        elseif current ~= ARGV[2] then
          return 0
        end
        if ARGV[3] == '' then
          redis.call('DEL', KEYS[1])
        else
          redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
        end
        return 1
        """;

    private readonly RedisConnection _redis;
    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    internal RedisVerificationCodeStore(RedisConnection redis)
    {
        _redis = redis;
    }

    /// <inheritdoc/>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.General"/> when Redis cannot be reached or the
    /// record stays contended for <see cref="MaxRounds"/> rounds.</exception>
    public async ValueTask<TResult> UpdateAsync<TResult>(string key, Func<VerificationRecord?, (VerificationRecord? Next, TResult Result)> update, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(update);
        var stripe = _stripes[(StringComparer.Ordinal.GetHashCode(key) & int.MaxValue) % _stripes.Length];
        await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var database = await _redis.DatabaseAsync().ConfigureAwait(false);
            var redisKey = _redis.Key(key);
            var milliseconds = Math.Max(1, (long)Math.Ceiling(lifetime.TotalMilliseconds));
            for (var round = 1; ; round++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var current = (byte[]?)await database.StringGetAsync(redisKey).ConfigureAwait(false);
                var record = current is null ? null : VerificationRecordFormat.Read(current);
                var (next, result) = update(record);
                if (ReferenceEquals(next, record))
                {
                    return result; // unchanged (a refusal, a lock): nothing to write, nothing to contend for
                }

                var written = (long)await database.ScriptEvaluateAsync(
                    CompareAndSet,
                    [redisKey],
                    [current is null ? 0 : 1, current ?? [], next is null ? RedisValue.EmptyString : VerificationRecordFormat.Write(next), milliseconds]).ConfigureAwait(false);
                if (written == 1)
                {
                    return result;
                }

                if (round == MaxRounds)
                {
                    throw new ConnectorException(
                        ConnectorErrorCode.General,
                        $"A verification record stayed contended by other instances for {MaxRounds} rounds; the request was refused. Try again.")
                    {
                        Provider = "Redis",
                        Operation = "verification-code-store",
                    };
                }
            }
        }
        catch (Exception exception) when (RedisConnection.IsFailure(exception))
        {
            throw RedisConnection.Failed("a verification code", exception, "verification-code-store");
        }
        finally
        {
            stripe.Release();
        }
    }
}
