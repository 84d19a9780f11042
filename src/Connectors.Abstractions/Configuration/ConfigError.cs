namespace Connectors.Abstractions;

/// <summary>One config problem.</summary>
/// <param name="Path">The JSON path of the field, e.g. <c>agentId</c> or <c>deliveries.SignIn</c>; <c>$</c> for the whole config.</param>
/// <param name="Message">What is wrong, never containing the field's value.</param>
public sealed record ConfigError(string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message}";
}
