using System.Text.RegularExpressions;

namespace Connectors.Packaging.Tests;

public sealed partial class RepositoryTests
{
    [Fact]
    public void The_changelogs_newest_entry_is_the_version_being_built()
    {
        var version = VersionPrefix().Match(Repository.Read("Directory.Build.props")).Groups[1].Value;
        var newest = ChangelogEntry().Match(Repository.Read("CHANGELOG.md")).Groups[1].Value;

        version.Should().NotBeEmpty();
        newest.Should().Be(version, "CHANGELOG.md's first entry names the version Directory.Build.props builds");
    }

    [Fact]
    public void Every_package_has_its_own_short_readme_license_and_icon()
    {
        foreach (var package in Repository.Packages)
        {
            var readme = Repository.Read("src", package, "README.md");
            readme.Should().StartWith($"# {package}\n");
            readme.Should().Contain("not on nuget.org yet").And.Contain("dotnet pack").And.Contain("#use-it-in-your-server")
                .And.NotContain("nuget add source ./", "a relative source stored in the user-wide config resolves elsewhere");
            readme.Length.Should().BeLessThan(4_000, "the package README is short; the repository README has the rest");
        }

        File.Exists(Path.Combine(Repository.Root, "LICENSE")).Should().BeTrue();
        File.ReadAllBytes(Path.Combine(Repository.Root, "eng", "icon.png")).Take(8).Should().Equal(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A);
    }

    [Fact]
    public void Every_package_declares_its_public_api_per_target_framework_with_nullability()
    {
        // PublicApiAnalyzers checks the code against these files in every build (RS0016, RS0017); without them it
        // checks nothing, so a new package must have them.
        foreach (var package in Repository.Packages)
        {
            foreach (var tfm in new[] { "net8.0", "net10.0" })
            {
                foreach (var file in new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" })
                {
                    Repository.Read("src", package, "PublicAPI", tfm, file).Should().StartWith("#nullable enable\n", $"{package} {tfm} {file} records nullability");
                }
            }

            Repository.Read("src", package, "PublicAPI", "net10.0", "PublicAPI.Unshipped.txt").Split('\n').Should().HaveCountGreaterThan(2, $"{package} has a public API");
        }
    }

    [GeneratedRegex("<VersionPrefix>([^<]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();

    [GeneratedRegex(@"^## (\S+)", RegexOptions.Multiline)]
    private static partial Regex ChangelogEntry();
}
