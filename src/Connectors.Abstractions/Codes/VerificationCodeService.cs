using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connectors.Abstractions;

/// <summary>The outcome of <see cref="VerificationCodeService.VerifyAsync"/>.</summary>
public enum VerificationResult
{
    /// <summary>The right code: it is used up.</summary>
    Verified,

    /// <summary>A wrong code; <see cref="CodeVerification.AttemptsLeft"/> says how many tries remain.</summary>
    Wrong,

    /// <summary>The code expired; ask for a new one.</summary>
    Expired,

    /// <summary>Too many wrong attempts: locked for <see cref="VerificationCodeOptions.Lifetime"/>, no new code meanwhile.</summary>
    Locked,

    /// <summary>No code is pending for this recipient and usage type (never sent, already used, or its send failed).</summary>
    NonePending,
}

/// <summary>What a verification gave.</summary>
/// <param name="Result">The outcome.</param>
/// <param name="AttemptsLeft">Wrong attempts still allowed (for <see cref="VerificationResult.Wrong"/>).</param>
public sealed record CodeVerification(VerificationResult Result, int AttemptsLeft);

/// <summary>A code was sent, or may have been.</summary>
/// <param name="ExpiresAt">When it stops working.</param>
/// <param name="MessageId">The provider's message id, when it gave one.</param>
public sealed record CodeSent(DateTimeOffset ExpiresAt, string? MessageId)
{
    /// <summary>
    /// Whether the send's outcome is unknown: the provider may have accepted it, but its answer was lost (a timeout, a
    /// connection broken after the request was written). The code is pending and the send counts against the cooldown
    /// and caps as a sent one, because the mail may arrive: tell the user to check the inbox and, if nothing comes,
    /// ask again once the cooldown has passed. Never send again at once on it.
    /// </summary>
    public bool DeliveryUnknown { get; init; }
}

/// <summary>
/// Email verification codes through any <see cref="IEmailConnector"/>: a code from a cryptographic RNG, stored only as
/// a keyed hash bound to (recipient, usage type); it expires (<see cref="VerificationCodeOptions.Lifetime"/>), works
/// once, and locks after <see cref="VerificationCodeOptions.MaxAttempts"/> wrong attempts. Sends have a cooldown and
/// caps per recipient and per client address. Asking for a new code never resets the wrong-attempt count or a lock.
/// A send the provider refused leaves no code pending and counts toward no cap. Codes are compared in constant time
/// and never logged, measured or put in a message.
/// </summary>
/// <remarks>Thread-safe. How atomic the limits are under concurrency is the store's (<see cref="IVerificationCodeStore"/>).</remarks>
public sealed partial class VerificationCodeService
{
    private readonly IVerificationCodeStore _store;
    private readonly VerificationCodeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly byte[] _hashKey;
    private readonly TimeSpan _recordLifetime;

    /// <summary>Creates the service (normally through DI: <c>AddVerificationCodes</c>).</summary>
    public VerificationCodeService(IVerificationCodeStore store, IOptions<VerificationCodeOptions> options, TimeProvider time, ILogger<VerificationCodeService> logger)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _hashKey = _options.HashKey ?? RandomNumberGenerator.GetBytes(32);
        _recordLifetime = new[] { _options.Lifetime, _options.SendWindow, _options.ResendCooldown }.Max();
    }

    /// <summary>Sends a new code to <paramref name="recipient"/> for <paramref name="usage"/> through <paramref name="connector"/>.</summary>
    /// <param name="connector">The email connector.</param>
    /// <param name="recipient">One email address.</param>
    /// <param name="usage">Why: the code only verifies for the same usage type.</param>
    /// <param name="clientAddress">The asking client's address (IP), for the per-client cap; none when null.</param>
    /// <param name="payload">Further template values (<see cref="EmailPayload.Locale"/>, <see cref="EmailPayload.Extra"/>); the code is set here.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.RateLimitExceeded"/> (with <see cref="ConnectorException.RetryAfter"/>) during the
    /// cooldown, over a cap or while locked, which <see cref="ConnectorException.ProviderErrorCode"/> tells apart:
    /// <c>cooldown</c> (a code sent moments ago still works), <c>cap</c> (the recipient's), <c>client-cap</c>, or
    /// <c>locked</c> (too many wrong codes: no code of this address works until the lock ends); <see cref="ConnectorErrorCode.InvalidRequestParameters"/> for a recipient
    /// that is not one address; and what the connector throws, after which no code is pending. A send whose outcome
    /// is unknown (<see cref="ConnectorException.OutcomeUnknown"/>) is not an error: it returns
    /// <see cref="CodeSent.DeliveryUnknown"/>.
    /// </exception>
    public async Task<CodeSent> SendAsync(IEmailConnector connector, string recipient, UsageType usage, string? clientAddress = null, EmailPayload? payload = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connector);
        var address = NormalizeRecipient(recipient);
        var now = _time.GetUtcNow();
        var key = Key("code", usage.Value, address);
        var clientKey = clientAddress is null ? null : Key("client", clientAddress);

        if (clientKey is not null)
        {
            var refusal = await _store.UpdateAsync(clientKey, record =>
            {
                var sends = Recent(record, now);
                return sends.Count >= _options.MaxSendsPerClient
                    ? (record, (TimeSpan?)(sends.Min() + _options.SendWindow - now))
                    : (new VerificationRecord { Sends = [.. sends, now] }, null);
            }, _options.SendWindow, cancellationToken).ConfigureAwait(false);
            if (refusal is { } wait)
            {
                throw RateLimited("client-cap", $"This client asked for too many codes; try again in {Seconds(wait)} s.", wait);
            }
        }

        // Reserve the send: it counts for the cooldown and the cap from now, so concurrent requests cannot all pass.
        var reservation = await _store.UpdateAsync(key, record =>
        {
            if (record?.LockedUntil is { } locked && locked > now)
            {
                return (record, ((string?)"locked", locked - now));
            }

            var sends = Recent(record, now);
            if (sends.Count > 0 && sends.Max() + _options.ResendCooldown > now)
            {
                return (record, ((string?)"cooldown", sends.Max() + _options.ResendCooldown - now));
            }

            if (sends.Count >= _options.MaxSendsPerRecipient)
            {
                return (record, ((string?)"cap", sends.Min() + _options.SendWindow - now));
            }

            return ((record ?? new VerificationRecord()) with { Sends = [.. sends, now] }, ((string?)null, TimeSpan.Zero));
        }, _recordLifetime, cancellationToken).ConfigureAwait(false);

        if (reservation.Item1 is { } reason)
        {
            await ReleaseClientAsync(clientKey, now).ConfigureAwait(false);
            throw RateLimited(reason, reason switch
            {
                "locked" => $"Too many wrong codes were tried for this address; a new code can be sent in {Seconds(reservation.Item2)} s.",
                "cooldown" => $"A code was sent to this address moments ago; a new one can be sent in {Seconds(reservation.Item2)} s.",
                _ => $"Too many codes were sent to this address; try again in {Seconds(reservation.Item2)} s.",
            }, reservation.Item2);
        }

        var code = RandomNumberGenerator.GetInt32(0, (int)Math.Pow(10, _options.Length)).ToString(new string('0', _options.Length), CultureInfo.InvariantCulture);
        EmailSendResult? sent;
        try
        {
            sent = await connector.SendAsync(new EmailMessage(address, usage, (payload ?? new EmailPayload()) with { Code = code }), cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectorException exception) when (exception.OutcomeUnknown)
        {
            // Maybe sent: the mail may arrive, so it counts as sent and its code is pending.
            LogDeliveryUnknown(_logger, usage.Value, exception.Provider);
            sent = null;
        }
        catch
        {
            // Not sent: the reservation is taken back, nothing is pending from this request.
            await _store.UpdateAsync(key, record => (record is null ? null : record with { Sends = WithoutOne(record.Sends, now) }, 0), _recordLifetime, CancellationToken.None).ConfigureAwait(false);
            await ReleaseClientAsync(clientKey, now).ConfigureAwait(false);
            throw;
        }

        var expiresAt = now + _options.Lifetime;
        var hash = Hash(usage.Value, address, code);
        try
        {
            await _store.UpdateAsync(key, record =>
            {
                var current = record ?? new VerificationRecord { Sends = [now] };
                // A new code while the last one is pending keeps its wrong-attempt count: a resend buys no guesses.
                var attempts = current.CodeHash is not null && current.CodeExpiresAt > now ? current.WrongAttempts : 0;
                return (current with { CodeHash = hash, CodeExpiresAt = expiresAt, WrongAttempts = attempts }, 0);
            }, _recordLifetime, CancellationToken.None).ConfigureAwait(false);
        }
        catch (ConnectorException exception)
        {
            // The mail went out (or may have): never reported as failed, or the host might send again. Its code is
            // not pending, so it will not verify; the user asks again, and the store counts that send.
            LogCodeNotStored(_logger, usage.Value, exception.Provider);
        }
        if (sent is null)
        {
            return new CodeSent(expiresAt, null) { DeliveryUnknown = true };
        }

        LogSent(_logger, usage.Value);
        return new CodeSent(expiresAt, sent.MessageId);
    }

    /// <summary>Checks <paramref name="code"/> for <paramref name="recipient"/> and <paramref name="usage"/>. The right code
    /// is used up; a wrong one counts an attempt (anything but the right code is wrong, whatever its form).</summary>
    public async Task<CodeVerification> VerifyAsync(string recipient, UsageType usage, string code, CancellationToken cancellationToken = default)
    {
        var address = NormalizeRecipient(recipient);
        var hash = Hash(usage.Value, address, (code ?? string.Empty).Trim());
        var now = _time.GetUtcNow();
        var verification = await _store.UpdateAsync(Key("code", usage.Value, address), record =>
        {
            if (record?.LockedUntil is { } locked && locked > now)
            {
                return (record, new CodeVerification(VerificationResult.Locked, 0));
            }

            if (record?.CodeHash is not { } expected)
            {
                return (record, new CodeVerification(VerificationResult.NonePending, 0));
            }

            if (record.CodeExpiresAt <= now)
            {
                return (record with { CodeHash = null, WrongAttempts = 0 }, new CodeVerification(VerificationResult.Expired, 0));
            }

            if (CryptographicOperations.FixedTimeEquals(expected, hash))
            {
                return (record with { CodeHash = null, WrongAttempts = 0 }, new CodeVerification(VerificationResult.Verified, 0));
            }

            var attempts = record.WrongAttempts + 1;
            return attempts >= _options.MaxAttempts
                ? (record with { CodeHash = null, WrongAttempts = attempts, LockedUntil = now + _options.Lifetime }, new CodeVerification(VerificationResult.Locked, 0))
                : (record with { WrongAttempts = attempts }, new CodeVerification(VerificationResult.Wrong, _options.MaxAttempts - attempts));
        }, _recordLifetime, cancellationToken).ConfigureAwait(false);
        LogVerified(_logger, usage.Value, verification.Result.ToString());
        return verification;
    }

    private async ValueTask ReleaseClientAsync(string? clientKey, DateTimeOffset at)
    {
        if (clientKey is not null)
        {
            await _store.UpdateAsync(clientKey, record => (record is null ? null : record with { Sends = WithoutOne(record.Sends, at) }, 0), _options.SendWindow, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // Takes back one reservation: another send reserved at the same instant still counts.
    private static List<DateTimeOffset> WithoutOne(IReadOnlyList<DateTimeOffset> sends, DateTimeOffset at)
    {
        var kept = sends.ToList();
        var index = kept.LastIndexOf(at);
        if (index >= 0)
        {
            kept.RemoveAt(index);
        }

        return kept;
    }

    private List<DateTimeOffset> Recent(VerificationRecord? record, DateTimeOffset now) =>
        record is null ? [] : [.. record.Sends.Where(s => s + _options.SendWindow > now)];

    /// <summary>The address a code for <paramref name="recipient"/> is sent to and kept under: trimmed, ASCII letters
    /// lower-cased; what a host looks its account up by.</summary>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidRequestParameters"/> for anything but one
    /// email address, or one that case folding or Unicode normalization would turn into another.</exception>
    public static string NormalizeRecipient(string recipient)
    {
        var address = recipient?.Trim() ?? string.Empty;
        if (!EmailAddress.IsValid(address))
        {
            throw new ConnectorException(ConnectorErrorCode.InvalidRequestParameters, "The recipient must be exactly one email address such as user@example.com.");
        }

        // The address keyed, sent to and shown is one string. Lower-casing changes only ASCII letters of an accepted
        // address: one that case folding or compatibility normalization would turn into another mailbox (the Kelvin
        // sign U+212A becomes "k", U+1E9E becomes "ß") is refused rather than sent somewhere else.
        var lower = address.ToLowerInvariant();
        for (var i = 0; i < address.Length; i++)
        {
            if (address[i] > 0x7F && lower[i] != address[i])
            {
                throw NotOneString();
            }
        }

        if (!address.IsNormalized(NormalizationForm.FormKC))
        {
            throw NotOneString();
        }

        return lower;

        static ConnectorException NotOneString() => new(
            ConnectorErrorCode.InvalidRequestParameters,
            "The recipient has characters that case folding or Unicode normalization would change into others (such as the Kelvin sign or full-width letters); type the address with its ordinary characters.");
    }

    // Records are keyed by a hash: a shared cache's keys never show an address.
    private static string Key(string kind, params string[] parts) =>
        $"connectors:{kind}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))), 0, 16)}";

    private byte[] Hash(string usage, string address, string code) =>
        HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes($"{usage}\n{address}\n{code}"));

    private static string Seconds(TimeSpan wait) => Math.Max(1, Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static ConnectorException RateLimited(string reason, string message, TimeSpan wait) =>
        new(ConnectorErrorCode.RateLimitExceeded, message) { Operation = "send-code", ProviderErrorCode = reason, RetryAfter = wait < TimeSpan.Zero ? TimeSpan.Zero : wait };

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Verification code sent for {UsageType}")]
    private static partial void LogSent(ILogger logger, string usageType);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Verification code for {UsageType} may have been sent: {Provider} did not answer in time; it counts as sent")]
    private static partial void LogDeliveryUnknown(ILogger logger, string usageType, string? provider);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Verification code for {UsageType} was sent but the store ({Store}) could not record it: it will not verify; a new code can be asked for")]
    private static partial void LogCodeNotStored(ILogger logger, string usageType, string? store);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Verification code checked for {UsageType}: {Result}")]
    private static partial void LogVerified(ILogger logger, string usageType, string result);
}
