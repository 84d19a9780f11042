using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Connectors.SampleHost.Tests;

/// <summary>The sample host as <c>dotnet run</c> starts it: a process of its own.</summary>
public sealed partial class SampleHostProcessTests
{
    [Fact]
    public async Task On_a_busy_port_it_says_to_start_it_on_another_address_without_a_stack_trace()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var dll = typeof(SampleHostProcessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleHostAssembly").Value!;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = SampleHostFixture.ContentRoot };
        foreach (var argument in new[] { dll, "--urls", $"http://127.0.0.1:{((IPEndPoint)busy.LocalEndpoint).Port}", "--contentRoot", SampleHostFixture.ContentRoot })
        {
            start.ArgumentList.Add(argument);
        }

        var run = () => TestProcess.StartAsync(start, OpenLine(), "The sample host", TimeSpan.FromSeconds(120));

        var failure = (await run.Should().ThrowAsync<InvalidOperationException>()).Which.Message;
        failure.Should().Contain("exited with code 1")
            .And.Contain("address already in use. Start it on another address: dotnet run --project samples/Connectors.SampleHost -- --urls http://127.0.0.1:5081")
            .And.NotContain("   at ");
    }

    [GeneratedRegex("^Open (http://127\\.0\\.0\\.1:\\d+/?) in a browser")]
    private static partial Regex OpenLine();
}
