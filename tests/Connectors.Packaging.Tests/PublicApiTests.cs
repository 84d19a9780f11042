using System.Reflection;

namespace Connectors.Packaging.Tests;

/// <summary>
/// Each package's public surface is approved in <c>api/{assembly}.txt</c>: a change to it fails here until the file is
/// updated in the same commit, so a reviewer sees every API change. After an intended change, run the tests with
/// <c>CONNECTORS_ACCEPT_API=1</c> (or copy the <c>.received.txt</c> written beside it) and commit the file.
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies() => [.. Repository.Packages];

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_API_is_the_approved_one(string assemblyName)
    {
        var actual = PublicApi.Describe(Assembly.Load(assemblyName));
        var approvedPath = Path.Combine(Repository.Root, "tests", "Connectors.Packaging.Tests", "api", assemblyName + ".txt");
        var receivedPath = Path.ChangeExtension(approvedPath, ".received.txt");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : string.Empty;
        if (actual == approved)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable("CONNECTORS_ACCEPT_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        var added = actual.Split('\n').Except(approved.Split('\n')).Take(10);
        var removed = approved.Split('\n').Except(actual.Split('\n')).Take(10);
        Assert.Fail($"The public API of {assemblyName} differs from {approvedPath} (the actual one is in {receivedPath}).\nAdded:\n  {string.Join("\n  ", added)}\nRemoved:\n  {string.Join("\n  ", removed)}");
    }

    [Fact]
    public void The_description_sees_signatures_and_not_internals()
    {
        var text = PublicApi.Describe(typeof(ConnectorException).Assembly);

        text.Should().Contain("sealed class Connectors.Abstractions.ConnectorException : System.Exception");
        text.Should().Contain("  public Connectors.Abstractions.ConnectorErrorCode Code { get; }");
        text.Should().Contain("enum Connectors.Abstractions.ConnectorErrorCode");
        text.Should().NotContain("ConnectorTelemetry", "an internal type is not public API");
    }
}
