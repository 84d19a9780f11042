namespace Connectors.Abstractions.Providers;

/// <summary>
/// A time limit for a whole connector call made of several provider requests (a sign-in: token, profile, details),
/// on a <see cref="System.TimeProvider"/>. Pass <see cref="Token"/> to every request; when it is cancelled and
/// <see cref="IsExhausted"/>, the budget ran out rather than the caller cancelling.
/// </summary>
public sealed class OperationBudget : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;
    private readonly CancellationToken _caller;

    /// <summary>Starts the budget now.</summary>
    public OperationBudget(TimeSpan limit, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        Limit = limit;
        _caller = cancellationToken;
        _timeout = new CancellationTokenSource(limit, timeProvider);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token, cancellationToken);
    }

    /// <summary>The limit.</summary>
    public TimeSpan Limit { get; }

    /// <summary>Cancelled when the budget runs out or the caller cancels.</summary>
    public CancellationToken Token => _linked.Token;

    /// <summary>Whether the budget ran out (and the caller did not cancel).</summary>
    public bool IsExhausted => _timeout.IsCancellationRequested && !_caller.IsCancellationRequested;

    /// <inheritdoc/>
    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}
