using System.Diagnostics;

namespace Connectors.FaultMatrix.Tests;

[Collection(WireMockTest.Collection)]
public sealed class FaultMatrixTests(WireMockFixture fixture) : WireMockTest(fixture)
{
    [Theory]
    [MemberData(nameof(FaultMatrix.Cells), MemberType = typeof(FaultMatrix))]
    public async Task Fault_gives_the_documented_outcome_within_the_timeouts(Operation operation, Fault fault)
    {
        foreach (var contract in Scenarios.Contracts[operation.Provider])
        {
            await WireMock.LoadContractAsync(contract);
        }

        await WireMock.StubAsync($$"""
            { "priority": 1, "request": { "method": "{{operation.Method}}", "urlPath": "{{operation.UrlPath}}" }, "response": {{fault.Response}} }
            """);
        using var services = Scenarios.Services(WireMock.BaseUri, Logs);

        var watch = Stopwatch.StartNew();
        Exception? thrown = null;
        ScenarioOutcome? outcome = null;
        try
        {
            outcome = await Scenarios.RunAsync(operation.Provider, services, WireMock.BaseUri);
        }
        catch (Exception exception)
        {
            thrown = exception;
        }

        watch.Stop();

        watch.Elapsed.Should().BeLessThan(FaultMatrix.OverallTimeout + TimeSpan.FromSeconds(1));
        await Task.Delay(fault.Settle);
        var attempts = operation.Safe && fault.Transient ? 1 + FaultMatrix.Retries : 1;
        var perAttempt = operation.Method == "GET" ? 1 + fault.HandlerRetriesOfBodilessRequests : 1;
        var expectedRequests = attempts * perAttempt;
        if (!operation.Safe)
        {
            expectedRequests.Should().Be(1, "an operation that is not safe to repeat is sent exactly once");
        }

        (await WireMock.CountAsync(operation.Method, operation.UrlPath)).Should().Be(expectedRequests);

        if (operation.BestEffort)
        {
            thrown.Should().BeNull("a detail call failing must not fail the sign-in");
            outcome!.User!.Id.Should().Be("zhangsan");
            if (operation.UrlPath.EndsWith("/user/get", StringComparison.Ordinal))
            {
                outcome.User.Name.Should().Be("zhangsan", "without user/get the name falls back to the id");
                outcome.User.Email.Should().Be("zhangsan@gzdev.com");
            }
            else
            {
                outcome.User.Name.Should().Be("张三");
                outcome.User.Email.Should().BeNull("without getuserdetail there are no private details");
            }

            Logs.Entries.Should().Contain(e => e.EventId.Id == 2002);
        }
        else
        {
            var error = thrown.Should().BeOfType<ConnectorException>().Subject;
            error.Code.Should().Be(fault.Expected);
            SecretAssertions.Texts(error).ShouldNotContainAny(Scenarios.Secrets[operation.Provider]);
        }

        Logs.AllText.ShouldNotContainAny(Scenarios.Secrets[operation.Provider]);
    }
}
