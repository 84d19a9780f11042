using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace Connectors.Packaging.Tests;

/// <summary>The README's code is the compiled <c>samples/QuickStart</c>, and that app runs.</summary>
public sealed partial class QuickStartTests
{
    [Fact]
    public void Every_csharp_block_of_the_README_is_a_compiled_file_quoted_verbatim()
    {
        var readme = Repository.Read("README.md");
        var blocks = FencedBlock().Matches(readme);

        blocks.Where(b => b.Groups["lang"].Value == "csharp").Should().NotBeEmpty();
        foreach (Match block in blocks.Where(b => b.Groups["lang"].Value is "csharp" || b.Groups["file"].Success))
        {
            block.Groups["file"].Success.Should().BeTrue($"every C# block is compiled; this one is not marked <!-- compiled: path -->:\n{block.Value[..Math.Min(200, block.Value.Length)]}");
            var file = block.Groups["file"].Value;
            block.Groups["body"].Value.Should().Be(Repository.Read(file.Split('/')), $"the README quotes {file} verbatim");
        }
    }

    [Fact]
    public async Task The_quick_start_app_starts_and_challenges_both_schemes()
    {
        var assembly = typeof(QuickStartTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "QuickStartAssembly").Value!;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(assembly)! };
        foreach (var argument in new[] { assembly, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data is { } line && ListeningOn().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            // Generous: a busy 2-core machine starts a .NET app in seconds; the bound only stops a hung test.
            var address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(120));
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address };

            using var wecom = await client.GetAsync("/login/wecom");
            using var huggingFace = await client.GetAsync("/login/huggingface");
            using var me = await client.GetAsync("/me");
            using var verify = await client.PostAsync("/code/verify", new StringContent("""{"email":"ada@example.com","code":"123456"}""", Encoding.UTF8, "application/json"));

            wecom.StatusCode.Should().Be(HttpStatusCode.Redirect);
            wecom.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be("https://login.work.weixin.qq.com/wwlogin/sso/login");
            wecom.Headers.Location.Query.Should().Contain("appid=ww1234567890abcdef").And.Contain("redirect_uri=" + Uri.EscapeDataString(new Uri(address, "/signin-wecom").AbsoluteUri));
            huggingFace.StatusCode.Should().Be(HttpStatusCode.Redirect);
            huggingFace.Headers.Location!.GetLeftPart(UriPartial.Path).Should().Be("https://huggingface.co/oauth/authorize");
            huggingFace.Headers.Location.Query.Should().Contain("code_challenge_method=S256");
            me.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await verify.Content.ReadAsStringAsync()).Should().Contain("\"result\":\"NonePending\"");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            lock (output)
            {
                throw new InvalidOperationException("The quick start app's output:\n" + output, exception);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"(?:<!-- compiled: (?<file>[^ ]+) -->\n)?```(?<lang>\w*)\n(?<body>.*?)```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
