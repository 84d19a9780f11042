using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Connectors.Redis.Tests;

/// <summary>docs/operations.md's "Several instances" sample (samples/ScaleOut), run as two processes on one real Redis.</summary>
public sealed partial class ScaleOutSampleTests : IAsyncLifetime
{
    private readonly List<TestProcess> _processes = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await _redis.DisposeAsync();
    }

    private async Task<HttpClient> StartAsync(string hashKey)
    {
        var dll = typeof(ScaleOutSampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ScaleOutAssembly").Value!;
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = Path.GetDirectoryName(dll)! };
        foreach (var argument in new[] { dll, "--urls", "http://127.0.0.1:0", "--environment", "Development", "--Redis", _redis.Configuration, "--Codes:HashKey", hashKey, "--Logging:LogLevel:Microsoft.Hosting.Lifetime", "Information" })
        {
            start.ArgumentList.Add(argument);
        }

        var (process, ready) = await TestProcess.StartAsync(start, Listening(), "ScaleOut", TimeSpan.FromSeconds(120));
        _processes.Add(process);
        return new HttpClient { BaseAddress = new Uri(ready.Groups[1].Value) };
    }

    [Fact]
    public async Task Two_instances_start_on_one_redis_and_fail_closed_when_it_stops()
    {
        var key = Convert.ToBase64String(new byte[32]);
        using var one = await StartAsync(key);
        using var other = await StartAsync(key);

        foreach (var instance in new[] { one, other })
        {
            using var verify = await instance.PostAsJsonAsync("/code/verify", new { email = "ada@example.com", code = "123456" });
            verify.StatusCode.Should().Be(HttpStatusCode.OK);
            (await verify.Content.ReadAsStringAsync()).Should().Contain("\"result\":\"NonePending\"");
        }

        await _redis.StopAsync();
        using var down = await one.PostAsJsonAsync("/code/verify", new { email = "ada@example.com", code = "123456" });

        down.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, "Redis away is not the caller's fault");
        var problem = await down.Content.ReadAsStringAsync();
        problem.Should().Contain("Redis could not be reached").And.NotContain("ada@example.com").And.NotContain("123456");
    }

    [Fact]
    public async Task Without_a_hash_key_an_instance_does_not_start_and_says_what_to_set()
    {
        var act = () => StartAsync(string.Empty);

        (await act.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("VerificationCodeOptions.HashKey");
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
