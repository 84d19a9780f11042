using System.Reflection;

namespace Connectors.Packaging.Tests;

/// <summary>The repository this test assembly was built from.</summary>
internal static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>Every library package: the projects under src/ (each folder holds its .csproj).</summary>
    public static IReadOnlyList<string> Packages { get; } =
        [.. Directory.GetDirectories(Path.Combine(Root, "src")).Select(Path.GetFileName).Where(n => File.Exists(Path.Combine(Root, "src", n!, n + ".csproj"))).Order(StringComparer.Ordinal)!];

    public static string Read(params string[] path) => File.ReadAllText(Path.Combine([Root, .. path])).ReplaceLineEndings("\n");
}
