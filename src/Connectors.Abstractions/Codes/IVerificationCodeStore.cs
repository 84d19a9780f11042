namespace Connectors.Abstractions;

/// <summary>What is kept per recipient and usage type (or per client address, where only <see cref="Sends"/> is used).
/// Never the code: its keyed hash.</summary>
public sealed record VerificationRecord
{
    /// <summary>The keyed hash of the pending code; null when none is pending.</summary>
    public byte[]? CodeHash { get; init; }

    /// <summary>When the pending code stops working.</summary>
    public DateTimeOffset CodeExpiresAt { get; init; }

    /// <summary>Wrong attempts against the pending code.</summary>
    public int WrongAttempts { get; init; }

    /// <summary>Until when the recipient is locked out after too many wrong attempts.</summary>
    public DateTimeOffset? LockedUntil { get; init; }

    /// <summary>When codes were sent (within the send window).</summary>
    public IReadOnlyList<DateTimeOffset> Sends { get; init; } = [];
}

/// <summary>Where verification records are kept. One operation: read, change and write one record.</summary>
public interface IVerificationCodeStore
{
    /// <summary>
    /// Reads the record at <paramref name="key"/> (null when there is none or it expired), lets
    /// <paramref name="update"/> compute the next one and a result, writes the next one (removes the record when it is
    /// null) to live <paramref name="lifetime"/>, and returns the result. A store says how atomic this is. A store may
    /// call <paramref name="update"/> more than once (a compare-and-set that found the record changed runs it again on
    /// the newer one), so it must not have side effects; when it returns the very record it was given, a store need not write.
    /// </summary>
    ValueTask<TResult> UpdateAsync<TResult>(string key, Func<VerificationRecord?, (VerificationRecord? Next, TResult Result)> update, TimeSpan lifetime, CancellationToken cancellationToken = default);
}
