using Microsoft.Extensions.Time.Testing;

namespace Connectors.Testing;

/// <summary>
/// <see cref="FakeTimeProvider"/> (its clock moves only when a test calls <c>Advance</c>, which fires the timers that
/// fall due: Polly's timeouts and retry delays, <c>Task.Delay(TimeSpan, TimeProvider)</c>, <c>CancellationTokenSource(TimeSpan, TimeProvider)</c>),
/// starting at 2026-01-01T00:00:00Z, with the one thing it lacks: <see cref="PendingTimers"/>, so a test can wait
/// until the code under test sleeps before it moves the clock.
/// </summary>
public sealed class ManualTimeProvider : FakeTimeProvider
{
    private readonly HashSet<Tracked> _armed = [];

    /// <summary>Starts at 2026-01-01T00:00:00Z.</summary>
    public ManualTimeProvider()
        : this(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero))
    {
    }

    /// <summary>Starts at <paramref name="start"/>.</summary>
    public ManualTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>How many timers are waiting to fire.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_armed)
            {
                return _armed.Count;
            }
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var tracked = new Tracked(this);
        tracked.Arm(dueTime, period);
        tracked.Inner = base.CreateTimer(s =>
        {
            tracked.Fired();
            callback(s);
        }, state, dueTime, period);
        return tracked;
    }

    private void Set(Tracked timer, bool armed)
    {
        lock (_armed)
        {
            _ = armed ? _armed.Add(timer) : _armed.Remove(timer);
        }
    }

    private sealed class Tracked(ManualTimeProvider owner) : ITimer
    {
        private bool _periodic;

        public ITimer? Inner { get; set; }

        public void Arm(TimeSpan dueTime, TimeSpan period)
        {
            _periodic = period != TimeSpan.Zero && period != Timeout.InfiniteTimeSpan;
            owner.Set(this, dueTime != Timeout.InfiniteTimeSpan);
        }

        public void Fired()
        {
            if (!_periodic)
            {
                owner.Set(this, false);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Arm(dueTime, period);
            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            owner.Set(this, false);
            Inner?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
