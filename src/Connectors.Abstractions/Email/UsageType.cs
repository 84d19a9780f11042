namespace Connectors.Abstractions;

/// <summary>Why an email is sent. Any string is valid; the well-known values are Logto's template types.</summary>
/// <remarks><c>default(UsageType)</c> is <see cref="Generic"/>. Comparison is ordinal, as config keys are.</remarks>
public readonly struct UsageType : IEquatable<UsageType>
{
    private const string GenericValue = "Generic";
    private readonly string? _value;

    /// <summary>Creates a usage type.</summary>
    /// <exception cref="ArgumentException">When <paramref name="value"/> is null or empty.</exception>
    public UsageType(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        _value = value;
    }

    /// <summary>The string value, e.g. <c>SignIn</c>.</summary>
    public string Value => _value ?? GenericValue;

    /// <summary>Sign-in.</summary>
    public static UsageType SignIn { get; } = new("SignIn");

    /// <summary>Registration.</summary>
    public static UsageType Register { get; } = new("Register");

    /// <summary>Password reset.</summary>
    public static UsageType ForgotPassword { get; } = new("ForgotPassword");

    /// <summary>Anything else; the fallback template.</summary>
    public static UsageType Generic { get; } = new(GenericValue);

    /// <summary>Organization invitation.</summary>
    public static UsageType OrganizationInvitation { get; } = new("OrganizationInvitation");

    /// <summary>Verifying a user's permission.</summary>
    public static UsageType UserPermissionValidation { get; } = new("UserPermissionValidation");

    /// <summary>Binding a new identifier.</summary>
    public static UsageType BindNewIdentifier { get; } = new("BindNewIdentifier");

    /// <summary>MFA verification.</summary>
    public static UsageType MfaVerification { get; } = new("MfaVerification");

    /// <summary>Binding an MFA factor.</summary>
    public static UsageType BindMfa { get; } = new("BindMfa");

    /// <summary>Converts a string to a usage type.</summary>
    public static implicit operator UsageType(string value) => new(value);

    /// <summary>Equality by value.</summary>
    public static bool operator ==(UsageType left, UsageType right) => left.Equals(right);

    /// <summary>Inequality by value.</summary>
    public static bool operator !=(UsageType left, UsageType right) => !left.Equals(right);

    /// <inheritdoc/>
    public bool Equals(UsageType other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UsageType other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;
}
