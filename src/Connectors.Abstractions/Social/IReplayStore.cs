namespace Connectors.Abstractions;

/// <summary>
/// Remembers one-time values (a completed sign-in's state) across server instances, so that a callback is accepted
/// once whichever instance it reaches. Connectors.AspNetCore's schemes use it, in addition to their in-process memory,
/// when one is registered (<c>UseRedis</c> registers one on Redis).
/// </summary>
public interface IReplayStore
{
    /// <summary>Marks <paramref name="key"/> used for <paramref name="lifetime"/>: true the first time, false when it was
    /// used before. Atomic across instances.</summary>
    /// <param name="key">A key that shows nothing of the value it stands for (a hash).</param>
    /// <param name="lifetime">How long to remember it: as long as the value could still be accepted.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ConnectorException">When the store cannot be reached.</exception>
    ValueTask<bool> TryUseAsync(string key, TimeSpan lifetime, CancellationToken cancellationToken);
}
