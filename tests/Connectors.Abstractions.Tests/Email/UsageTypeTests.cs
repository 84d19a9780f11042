namespace Connectors.Abstractions.Tests.Email;

public sealed class UsageTypeTests
{
    [Fact]
    public void Any_string_is_a_usage_type_and_equality_is_by_value()
    {
        UsageType custom = "foo";
        custom.Value.Should().Be("foo");
        (new UsageType("SignIn") == UsageType.SignIn).Should().BeTrue();
        (UsageType.SignIn == UsageType.Register).Should().BeFalse();
        default(UsageType).Should().Be(UsageType.Generic);
    }

    [Fact]
    public void Well_known_values_are_Logto_template_types() =>
        new[] { UsageType.SignIn, UsageType.Register, UsageType.ForgotPassword, UsageType.Generic, UsageType.OrganizationInvitation,
                UsageType.UserPermissionValidation, UsageType.BindNewIdentifier, UsageType.MfaVerification, UsageType.BindMfa }
            .Select(t => t.Value)
            .Should().Equal("SignIn", "Register", "ForgotPassword", "Generic", "OrganizationInvitation",
                "UserPermissionValidation", "BindNewIdentifier", "MfaVerification", "BindMfa");

    [Fact]
    public void An_empty_usage_type_is_rejected() => ((Action)(() => _ = new UsageType(""))).Should().Throw<ArgumentException>();
}
