namespace Connectors.Abstractions;

/// <summary>A secret config value (API key, client secret). It prints as <c>***</c>, so a config record's
/// <c>ToString()</c>, a log line or an exception message cannot reveal it by accident.</summary>
public sealed class Secret : IEquatable<Secret>
{
    private const string Redacted = "***";
    private readonly string _value;

    /// <summary>Wraps a secret value.</summary>
    public Secret(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>The secret itself: call only where it is sent to the provider.</summary>
    public string Reveal() => _value;

    /// <summary>Always <c>***</c>.</summary>
    public override string ToString() => Redacted;

    /// <inheritdoc/>
    public bool Equals(Secret? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Secret);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);
}
