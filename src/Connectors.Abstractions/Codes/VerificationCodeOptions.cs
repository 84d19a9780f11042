namespace Connectors.Abstractions;

/// <summary>The rules of <see cref="VerificationCodeService"/>.</summary>
public sealed class VerificationCodeOptions
{
    /// <summary>Digits per code, 4 to 9. Default 6.</summary>
    public int Length { get; set; } = 6;

    /// <summary>How long a code can be used. Default 10 minutes.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Wrong attempts before the code is locked; the lock lasts <see cref="Lifetime"/> and no new code is sent
    /// meanwhile (a resend never buys more guesses). Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The least time between two codes to one recipient. Default 60 seconds.</summary>
    public TimeSpan ResendCooldown { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Codes one recipient may be sent per <see cref="SendWindow"/>. Default 5.</summary>
    public int MaxSendsPerRecipient { get; set; } = 5;

    /// <summary>Codes one client address (IP) may ask for per <see cref="SendWindow"/>. Default 20.</summary>
    public int MaxSendsPerClient { get; set; } = 20;

    /// <summary>The window of the send caps. Default 1 hour.</summary>
    public TimeSpan SendWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The key of the keyed hash codes are stored as (32 bytes or more). Random per process when null, which suits the
    /// in-memory store; required when codes are kept in a shared cache (every instance must hash alike).
    /// </summary>
    public byte[]? HashKey { get; set; }

    /// <summary>The most records the in-memory store holds (one per recipient and usage type, one per client address);
    /// at the cap a send to a new address is refused (<see cref="MemoryVerificationCodeStore"/>). Default 100,000.</summary>
    public int MaxStoredRecords { get; set; } = MemoryVerificationCodeStore.DefaultCapacity;

    /// <summary>Keep codes in the registered <c>IDistributedCache</c>, for several server instances. Default false (in memory).</summary>
    public bool UseDistributedCache { get; set; }
}

/// <summary>Validates <see cref="VerificationCodeOptions"/> (registered by <c>AddVerificationCodes</c>, run at host start).</summary>
internal sealed class VerificationCodeOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<VerificationCodeOptions>
{
    /// <inheritdoc/>
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, VerificationCodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Check(bool ok, string problem)
        {
            if (!ok)
            {
                problems.Add(problem);
            }
        }

        Check(options.Length is >= 4 and <= 9, $"VerificationCodeOptions.Length must be 4 to 9 (was {options.Length}).");
        Check(options.Lifetime > TimeSpan.Zero, $"VerificationCodeOptions.Lifetime must be positive (was {options.Lifetime}).");
        Check(options.MaxAttempts >= 1, $"VerificationCodeOptions.MaxAttempts must be at least 1 (was {options.MaxAttempts}).");
        Check(options.ResendCooldown >= TimeSpan.Zero, $"VerificationCodeOptions.ResendCooldown must not be negative (was {options.ResendCooldown}).");
        Check(options.MaxSendsPerRecipient >= 1, $"VerificationCodeOptions.MaxSendsPerRecipient must be at least 1 (was {options.MaxSendsPerRecipient}).");
        Check(options.MaxSendsPerClient >= 1, $"VerificationCodeOptions.MaxSendsPerClient must be at least 1 (was {options.MaxSendsPerClient}).");
        Check(options.SendWindow > TimeSpan.Zero, $"VerificationCodeOptions.SendWindow must be positive (was {options.SendWindow}).");
        Check(options.MaxStoredRecords >= 1, $"VerificationCodeOptions.MaxStoredRecords must be at least 1 (was {options.MaxStoredRecords}).");
        Check(options.HashKey is null || options.HashKey.Length >= 32, "VerificationCodeOptions.HashKey must be at least 32 bytes.");
        Check(!options.UseDistributedCache || options.HashKey is not null, "VerificationCodeOptions.HashKey must be set when codes are kept in a shared cache (UseDistributedCache): every instance must hash codes alike.");
        return problems.Count == 0 ? Microsoft.Extensions.Options.ValidateOptionsResult.Success : Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems);
    }
}
