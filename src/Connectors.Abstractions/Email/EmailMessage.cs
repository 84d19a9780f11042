using System.Text.Json.Nodes;

namespace Connectors.Abstractions;

/// <summary>One email to send.</summary>
/// <param name="To">The single recipient address.</param>
/// <param name="Type">Why the message is sent; selects the template.</param>
/// <param name="Payload">Values for the template.</param>
public sealed record EmailMessage(string To, UsageType Type, EmailPayload Payload)
{
    /// <summary>Redacted: the payload carries the verification code.</summary>
    public override string ToString() => $"EmailMessage {{ Type = {Type} }}";
}

/// <summary>Values for an email template.</summary>
public sealed record EmailPayload
{
    /// <summary>The verification code; replaces <c>{{code}}</c>.</summary>
    public string? Code { get; init; }

    /// <summary>The magic link; replaces <c>{{link}}</c>.</summary>
    public string? Link { get; init; }

    /// <summary>One resolved language tag, e.g. <c>en-US</c>.</summary>
    public string? Locale { get; init; }

    /// <summary>The raw OIDC <c>ui_locales</c> value, e.g. <c>en-US en</c>.</summary>
    public string? UiLocales { get; init; }

    /// <summary>Further template values, e.g. <c>user</c>, <c>application</c>, <c>organization</c>.</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>Redacted: never print a code.</summary>
    public override string ToString() => $"EmailPayload {{ Locale = {Locale} }}";
}

/// <summary>The outcome of a send: the provider accepted the message. A send the provider accepted is never reported
/// as a failure, even when its answer is not what its API promises.</summary>
/// <param name="MessageId">The provider's message id (for Mailgun, including the angle brackets); null when the provider
/// accepted the message without an id the connector could read.</param>
public sealed record EmailSendResult(string? MessageId);
