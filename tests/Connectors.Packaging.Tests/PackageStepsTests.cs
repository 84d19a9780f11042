using System.Diagnostics;
using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Connectors.Packaging.Tests;

/// <summary>The README's package steps, run as they are written: packs with a version of their own, a new app
/// beside the clone on those packages through its own nuget.config, the quick start in it, built. Then what the
/// packages declare: on net8.0, the Microsoft.Extensions.* versions .NET 8 ships.</summary>
public sealed partial class PackageStepsTests
{
    private static readonly string[] Packages = ["AspNetCore", "WeCom", "HuggingFace", "Mailgun"];

    [Fact]
    public async Task The_readmes_package_steps_give_a_new_app_on_freshly_packed_packages_that_builds()
    {
        var steps = TestedSteps().Match(Repository.Read("README.md"));
        steps.Success.Should().BeTrue("the README marks its package steps <!-- tested: the package steps -->");
        var userConfig = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet", "NuGet.Config");
        var userConfigBefore = File.Exists(userConfig) ? File.ReadAllText(userConfig) : null;
        var folder = Directory.CreateTempSubdirectory("connectors-steps-");
        try
        {
            // The clone, as the steps expect to start in it: a link to this repository, in a folder of its own.
            var clone = Path.Combine(folder.FullName, "connectors");
            File.CreateSymbolicLink(clone, Repository.Root.TrimEnd('/'));

            var (exit, log) = await ShellAsync(steps.Groups["body"].Value, clone);

            exit.Should().Be(0, $"every step works as written; the output ends:\n{Tail(log)}");
            var app = Path.Combine(folder.FullName, "MyIdentityServer");
            File.Exists(Path.Combine(app, "bin", "Debug", "net10.0", "MyIdentityServer.dll")).Should().BeTrue();
            var project = XDocument.Load(Path.Combine(app, "MyIdentityServer.csproj"));
            var versions = project.Descendants("PackageReference").ToDictionary(r => (string)r.Attribute("Include")!, r => (string)r.Attribute("Version")!);
            versions.Keys.Should().BeEquivalentTo(Packages.Select(p => "Connectors." + p));
            var version = versions.Values.Distinct().Should().ContainSingle().Subject;
            version.Should().MatchRegex(@"^0\.1\.0-local\.[0-9]{14}$", "a local pack has a version of its own");
            File.ReadAllText(Path.Combine(app, "nuget.config")).Should().Contain("connectors-local");
            (File.Exists(userConfig) ? File.ReadAllText(userConfig) : null).Should().Be(userConfigBefore, "nothing user-wide changes");

            CheckDependencies(Path.Combine(Repository.Root, "artifacts"), version);
            Cleanup(version);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_pack_without_a_version_of_its_own_stops_and_says_how_and_a_release_is_the_plain_version()
    {
        var output = Directory.CreateTempSubdirectory("connectors-pack-");
        try
        {
            var (refused, log) = await ShellAsync($"dotnet pack src/Connectors.Abstractions -o '{output.FullName}'", Repository.Root);
            var (_, release) = await ShellAsync("dotnet msbuild src/Connectors.Abstractions/Connectors.Abstractions.csproj -getProperty:PackageVersion -p:PublicRelease=true", Repository.Root);

            refused.Should().NotBe(0);
            log.Should().Contain("error CONNECTORS001: A local pack needs a version no earlier pack had").And.Contain("--version-suffix \"local.$(date -u +%Y%m%d%H%M%S)\"");
            Directory.GetFiles(output.FullName).Should().BeEmpty();
            release.Trim().Should().Be(VersionPrefix().Match(Repository.Read("Directory.Build.props")).Groups[1].Value);
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    /// <summary>Every package of <paramref name="version"/> depends on the same version of this repository's packages
    /// and, on net8.0, on 8.x of Microsoft.Extensions.* and System.*, but where a third-party package needs newer
    /// (the README says which).</summary>
    private static void CheckDependencies(string artifacts, string version)
    {
        var nupkgs = Directory.GetFiles(artifacts, $"*.{version}.nupkg");
        nupkgs.Select(p => Path.GetFileName(p)[..^$".{version}.nupkg".Length]).Should().BeEquivalentTo(Repository.Packages);
        var checkedOnNet8 = 0;
        foreach (var nupkg in nupkgs)
        {
            using var zip = ZipFile.OpenRead(nupkg);
            using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
            var nuspec = XDocument.Load(stream);
            var id = nuspec.Descendants().Single(e => e.Name.LocalName == "id").Value;
            foreach (var group in nuspec.Descendants().Where(e => e.Name.LocalName == "group"))
            {
                var framework = (string)group.Attribute("targetFramework")!;
                foreach (var dependency in group.Elements().Where(e => e.Name.LocalName == "dependency"))
                {
                    var (name, range) = ((string)dependency.Attribute("id")!, (string)dependency.Attribute("version")!);
                    if (name.StartsWith("Connectors.", StringComparison.Ordinal))
                    {
                        range.Should().Be(version, $"{id} ({framework}) depends on the {name} of the same pack");
                    }
                    else if (framework == "net8.0" && (name.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || name.StartsWith("System.", StringComparison.Ordinal))
                        && (id, name) is not ("Connectors.Redis", "System.IO.Hashing"))
                    {
                        range.Should().StartWith("8.", $"{id} on net8.0 depends on the {name} .NET 8 ships");
                        checkedOnNet8++;
                    }
                }
            }
        }

        checkedOnNet8.Should().BeGreaterThanOrEqualTo(8, "Connectors.Abstractions alone has seven such dependencies, and WeCom one");
    }

    /// <summary>Removes this run's packages from the artifacts folder and from NuGet's global packages folder.</summary>
    private static void Cleanup(string version)
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repository.Root, "artifacts"), $"*.{version}.*nupkg"))
        {
            File.Delete(file);
        }

        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages ? packages : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var package in Repository.Packages.Select(p => Path.Combine(cache, p.ToLowerInvariant(), version)).Where(Directory.Exists))
        {
            Directory.Delete(package, recursive: true);
        }
    }

    /// <summary>Runs <paramref name="script"/> with bash (errors stop it) in <paramref name="directory"/>, its output
    /// to a file, so build servers it leaves behind cannot hold the test's pipes open; MSBuild nodes are not reused.</summary>
    private static async Task<(int Exit, string Output)> ShellAsync(string script, string directory)
    {
        var log = Path.GetTempFileName();
        var start = new ProcessStartInfo("bash") { WorkingDirectory = directory, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"exec > '{log}' 2>&1\nset -euo pipefail\n{script}\n");
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name); // the test host's own MSBuild settings are not the user's
        }

        start.Environment["PWD"] = directory; // bash keeps the path as given (a link), as a user's shell would
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        try
        {
            using var process = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The steps did not end within 20 minutes; the output ends:\n{Tail(await File.ReadAllTextAsync(log))}");
            }

            return (process.ExitCode, await File.ReadAllTextAsync(log));
        }
        finally
        {
            File.Delete(log);
        }
    }

    private static string Tail(string log) => log.Length <= 4000 ? log : log[^4000..];

    [GeneratedRegex("<!-- tested: the package steps -->\n```bash\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex TestedSteps();

    [GeneratedRegex("<VersionPrefix>([^<]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();
}
