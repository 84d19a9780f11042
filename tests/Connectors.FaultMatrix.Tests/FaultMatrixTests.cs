using System.Diagnostics;

namespace Connectors.FaultMatrix.Tests;

[Collection(WireMockTest.Collection)]
public sealed class FaultMatrixTests(WireMockFixture fixture) : WireMockTest(fixture)
{
    [Theory]
    [MemberData(nameof(FaultMatrix.Cells), MemberType = typeof(FaultMatrix))]
    public async Task Fault_gives_the_documented_outcome(Operation operation, Fault fault)
    {
        foreach (var contract in Scenarios.Contracts[operation.Provider])
        {
            await WireMock.LoadContractAsync(contract);
        }

        using var elsewhere = new ConnectionCounter();
        await WireMock.StubAsync($$"""
            { "priority": 1, "request": { "method": "{{operation.Method}}", "urlPath": "{{operation.UrlPath}}" }, "response": {{fault.Response.Replace(FaultMatrix.Elsewhere, elsewhere.BaseUri.AbsoluteUri, StringComparison.Ordinal)}} }
            """);
        using var services = Scenarios.Services(WireMock.BaseUri, Logs, fault.IsDelay ? FaultMatrix.DelayTimeouts : FaultMatrix.FaultTimeouts);
        var run = await Scenarios.PrepareAsync(operation.Provider, services, WireMock.BaseUri);

        var watch = Stopwatch.StartNew();
        Exception? thrown = null;
        ScenarioOutcome? outcome = null;
        try
        {
            outcome = await run();
        }
        catch (Exception exception)
        {
            thrown = exception;
        }

        watch.Stop();

        // A send the provider accepted (its status line said 2xx) is sent, whatever followed.
        var sent = operation.SuccessStatusIsFinal && fault.SuccessStatus;
        var attempts = operation.Safe && fault.Transient && !sent ? 1 + FaultMatrix.Retries : 1;
        if (fault.IsDelay)
        {
            // Each attempt ends at its timeout, long before WireMock would answer. Whether an attempt's request got
            // onto the wire before its timeout depends on the machine's speed, so the count has only an upper bound;
            // the retries logged above say how many attempts were made.
            TimeoutOf(thrown, Logs).Should().BeTrue("the delayed answer must end in a timeout");
            watch.Elapsed.Should().BeLessThan(FaultMatrix.Delay, "each attempt must end at its timeout instead of waiting for the answer");
            (await WireMock.StableCountAsync(operation.Method, operation.UrlPath)).Should().BeInRange(0, attempts);
        }
        else
        {
            TimeoutOf(thrown, Logs).Should().BeFalse(
                $"the fault, not a timeout, must decide the outcome (a timeout here means the machine took longer than the {FaultMatrix.FaultTimeouts.Attempt.TotalSeconds} s attempt timeout)");
            var perAttempt = operation.Method == "GET" ? 1 + fault.HandlerRetriesOfBodilessRequests : 1;
            var expected = attempts * perAttempt;
            if (!operation.Safe)
            {
                expected.Should().Be(1, "an operation that is not safe to repeat is sent exactly once");
            }

            // Every request was answered (or faulted) before the connector returned, and WireMock journals a request
            // before it answers: the count is final once it reaches the expected value.
            await WireMock.WaitForCountAsync(operation.Method, operation.UrlPath, expected, TimeSpan.FromSeconds(10));
            (await WireMock.CountAsync(operation.Method, operation.UrlPath)).Should().Be(expected);
        }

        Logs.Entries.Count(e => e.Id.Id == 1002 && e.Value("Operation") == operation.LogName)
            .Should().Be(attempts - 1, "a safe operation is retried after a transient fault, any other operation never");

        if (operation.BestEffort)
        {
            thrown.Should().BeNull("a detail call failing must not fail the sign-in");
            if (operation.Provider == "github")
            {
                // Without /user/emails the address is the profile's public one, unverified.
                (outcome!.User!.Id, outcome.User.Email, outcome.User.EmailVerified).Should().Be(("583231", "octocat@public.example.com", false));
            }
            else
            {
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
            }

            // A GitHub address list must be a JSON array: any other 2xx body is a failed detail call too.
            if (fault.FailsDetailCalls || operation.Provider == "github")
            {
                Logs.Entries.Should().Contain(e => e.Id.Id == operation.SkippedEvent && e.Value("Operation") == operation.LogName);
            }

            Logs.Entries.Should().NotContain(e => e.Id.Id == 1003 && e.Value("Operation") == operation.LogName, "a detail the sign-in does without is not a failure");
        }
        else if (sent)
        {
            thrown.Should().BeNull("a send the provider accepted is never reported as failed, or the host would send the code again");
            Logs.Entries.Should().ContainSingle(e => e.Id.Id == operation.AcceptedEvent, "an accepted send without a readable message id is logged");
        }
        else
        {
            var error = thrown.Should().BeOfType<ConnectorException>().Subject;
            error.Code.Should().Be(fault.Expected);
            error.Operation.Should().Be(operation.LogName);
            SecretAssertions.Texts(error).ShouldNotContainAny(Scenarios.Secrets[operation.Provider]);
        }

        Logs.AllText.ShouldNotContainAny(Scenarios.Secrets[operation.Provider]);
        elsewhere.Connections.Should().Be(0, "a redirect is never followed: the request goes to the provider only");
        if (fault.RedirectsElsewhere && thrown is ConnectorException redirected)
        {
            redirected.Message.Should().Contain("redirect").And.NotContain(elsewhere.BaseUri.Authority, "the Location is not quoted");
        }
    }

    /// <summary>Whether a timeout ended the call (its exception) or a best-effort detail call (its failure log).</summary>
    private static bool TimeoutOf(Exception? thrown, FakeLoggerProvider logs)
    {
        for (var e = thrown; e is not null; e = e.InnerException)
        {
            // Polly.Core's (the library's pipeline); this project also sees Polly 7's type of that name (Http.Polly).
            if (e.GetType().FullName == "Polly.Timeout.TimeoutRejectedException" && e.GetType().Assembly.GetName().Name == "Polly.Core")
            {
                return true;
            }
        }

        return logs.Entries.Any(e => e.Id.Id is 1003 or 1004 && e.Message.Contains("timed out", StringComparison.Ordinal));
    }
}
