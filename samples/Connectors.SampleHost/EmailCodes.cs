using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Connectors.SampleHost;

/// <summary>Email verification codes: 6 digits, single use, valid 10 minutes, at most 5 attempts. In memory, as a
/// sample; a real server stores them (hashed) in its database.</summary>
public sealed class EmailCodes(TimeProvider time)
{
    /// <summary>Attempts allowed per code.</summary>
    public const int MaxAttempts = 5;

    /// <summary>How long a code is valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, Entry> _codes = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _knownUsers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the address has signed in before (then the code is a SignIn code, else Register).</summary>
    public bool IsKnown(string address) => _knownUsers.ContainsKey(address);

    /// <summary>Issues a fresh code for the address, replacing any earlier one.</summary>
    public string Issue(string address)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        _codes[address] = new Entry(SHA256.HashData(Encoding.UTF8.GetBytes(code)), time.GetUtcNow() + Lifetime);
        return code;
    }

    /// <summary>Checks a code. A right code is consumed; a wrong one counts an attempt.</summary>
    public (CodeCheck Result, int AttemptsLeft) Verify(string address, string code)
    {
        if (!_codes.TryGetValue(address, out var entry) || time.GetUtcNow() >= entry.ExpiresAt)
        {
            return (CodeCheck.Expired, 0);
        }

        lock (entry)
        {
            if (entry.Attempts >= MaxAttempts)
            {
                return (CodeCheck.Locked, 0);
            }

            if (CryptographicOperations.FixedTimeEquals(entry.Hash, SHA256.HashData(Encoding.UTF8.GetBytes(code.Trim()))))
            {
                _codes.TryRemove(address, out _);
                _knownUsers[address] = true;
                return (CodeCheck.Valid, 0);
            }

            entry.Attempts++;
            return entry.Attempts >= MaxAttempts ? (CodeCheck.Locked, 0) : (CodeCheck.Wrong, MaxAttempts - entry.Attempts);
        }
    }

    private sealed class Entry(byte[] hash, DateTimeOffset expiresAt)
    {
        public byte[] Hash { get; } = hash;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public int Attempts { get; set; }
    }
}

/// <summary>The outcome of a code check.</summary>
public enum CodeCheck
{
    /// <summary>Right code; consumed.</summary>
    Valid,

    /// <summary>Wrong code; attempts remain.</summary>
    Wrong,

    /// <summary>Too many wrong attempts; the code no longer works.</summary>
    Locked,

    /// <summary>No code, or it expired.</summary>
    Expired,
}
