using System.Reflection;
using System.Runtime.Versioning;

namespace Connectors.Abstractions.Tests;

public sealed class TargetFrameworkTests
{
    /// <summary>The net8.0 test run exercises the net8.0 build of the libraries (rolled forward onto the installed
    /// runtime), the net10.0 run the net10.0 build.</summary>
    [Fact]
    public void The_library_under_test_is_the_build_for_this_test_assemblys_target_framework()
    {
        static string? Framework(Assembly assembly) => assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;

        Framework(typeof(ConnectorException).Assembly).Should().NotBeNull().And.Be(Framework(typeof(TargetFrameworkTests).Assembly));
    }
}
