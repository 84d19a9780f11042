using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Connectors.Simulators;

/// <summary>The simulated providers' memory: issued codes and tokens, and the Mailgun inbox.</summary>
public sealed class SimulatorState(IConfiguration configuration)
{
    /// <summary>The connector configs (<c>WeCom</c>, <c>HuggingFace</c>, <c>Mailgun</c>): the simulators accept exactly the credentials the connectors are configured with.</summary>
    public IConfiguration Configuration { get; } = configuration;

    /// <summary>Authorization codes (single use) by code.</summary>
    public ConcurrentDictionary<string, IssuedCode> Codes { get; } = new(StringComparer.Ordinal);

    /// <summary>Access tokens by token: who they belong to.</summary>
    public ConcurrentDictionary<string, IssuedToken> Tokens { get; } = new(StringComparer.Ordinal);

    /// <summary>WeCom user tickets by ticket.</summary>
    public ConcurrentDictionary<string, string> Tickets { get; } = new(StringComparer.Ordinal);

    /// <summary>Every mail the Mailgun simulator accepted, oldest first.</summary>
    public ConcurrentQueue<SimulatedMail> Mails { get; } = new();

    /// <summary>A random URL-safe value.</summary>
    public static string NewValue(string prefix) => prefix + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
}

/// <summary>A code the simulated provider issued.</summary>
public sealed record IssuedCode(string User, string? Scope, string RedirectUri, string? CodeChallenge, string? Nonce, string? ClientId, DateTimeOffset ExpiresAt);

/// <summary>An access token the simulated provider issued.</summary>
public sealed record IssuedToken(string? User, string? Scope);

/// <summary>A mail accepted by the Mailgun simulator.</summary>
public sealed record SimulatedMail(string Id, DateTimeOffset At, string From, string To, string? Subject, string? Html, string? Text, string? Template, string? Variables);
