using System.Globalization;
using System.Text.RegularExpressions;

namespace Connectors.Packaging.Tests;

/// <summary>The README and the pages under docs/: their code is compiled files quoted verbatim, their links lead
/// somewhere, and the README leads to every page.</summary>
public sealed partial class DocumentationTests
{
    /// <summary>Every docs/ page, as a path from the repository root.</summary>
    private static IEnumerable<string> DocsPages() =>
        Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md").Select(p => "docs/" + Path.GetFileName(p)).Order(StringComparer.Ordinal);

    /// <summary>The README and every docs/ page.</summary>
    public static TheoryData<string> Pages() => new(["README.md", .. DocsPages()]);

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_csharp_block_is_a_compiled_file_quoted_verbatim(string page)
    {
        var blocks = FencedBlock().Matches(Repository.Read(page.Split('/')));

        foreach (Match block in blocks.Where(b => b.Groups["lang"].Value is "csharp" || b.Groups["file"].Success))
        {
            block.Groups["file"].Success.Should().BeTrue($"every C# block of {page} is compiled; this one is not marked <!-- compiled: path -->:\n{block.Value[..Math.Min(200, block.Value.Length)]}");
            var file = block.Groups["file"].Value;
            block.Groups["body"].Value.Should().Be(Repository.Read(file.Split('/')), $"{page} quotes {file} verbatim");
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void Every_relative_link_leads_to_a_file_and_heading_that_exist(string page)
    {
        var text = Repository.Read(page.Split('/'));
        var directory = Path.GetDirectoryName(Path.Combine(Repository.Root, page))!;

        foreach (Match link in Link().Matches(OutsideCode(text)))
        {
            var target = link.Groups["target"].Value;
            if (target.Contains("://", StringComparison.Ordinal))
            {
                continue;
            }

            var (path, anchor) = target.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? (target[..hash], target[(hash + 1)..]) : (target, null);
            var file = path.Length == 0 ? Path.Combine(Repository.Root, page) : Path.GetFullPath(Path.Combine(directory, path));
            (File.Exists(file) || Directory.Exists(file)).Should().BeTrue($"{page} links to {target}");
            if (anchor is not null)
            {
                Anchors(File.ReadAllText(file)).Should().Contain(anchor, $"{page} links to {target}");
            }
        }
    }

    [Fact]
    public void The_readme_leads_to_every_docs_page_and_each_page_back()
    {
        var readme = Repository.Read("README.md");

        DocsPages().Should().NotBeEmpty();
        foreach (var page in DocsPages())
        {
            readme.Should().Contain($"]({page}", $"the README links to {page}");
            Repository.Read(page.Split('/')).Should().Contain("](../README.md)", $"{page} links back to the README");
        }
    }

    [Fact]
    public void The_readme_has_the_test_command_ci_runs()
    {
        Repository.Read("README.md").Should().Contain("```bash\ndotnet test Connectors.sln\n```");
        Repository.Read(".ci", "run").Should().Contain("\ndotnet test Connectors.sln 2>&1");
    }

    /// <summary>GitHub's anchors of a page's headings: lower case, punctuation but '-' and '_' removed, spaces as '-'.</summary>
    private static IReadOnlyList<string> Anchors(string markdown) =>
        [.. Heading().Matches(OutsideCode(markdown.ReplaceLineEndings("\n"))).Select(h => string.Concat(h.Groups[1].Value.Trim().ToLower(CultureInfo.InvariantCulture)
            .Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_')).Replace(' ', '-'))];

    private static string OutsideCode(string markdown) => CodeBlock().Replace(markdown, string.Empty);

    [GeneratedRegex(@"(?:<!-- compiled: (?<file>[^ ]+) -->\n)?```(?<lang>\w*)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"```.*?```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
