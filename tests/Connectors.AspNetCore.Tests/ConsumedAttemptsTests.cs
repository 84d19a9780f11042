using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore.Tests;

public sealed class ConsumedAttemptsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static ConsumedAttempts Attempts(int capacity) => new(Options.Create(new ConnectorReplayOptions { Capacity = capacity }));

    [Fact]
    public void A_replay_is_told_from_a_first_use()
    {
        var attempts = Attempts(10);

        attempts.TryConsume("a", Start.AddMinutes(15), Start).Should().Be(Consumption.Consumed);
        attempts.TryConsume("a", Start.AddMinutes(15), Start.AddMinutes(1)).Should().Be(Consumption.Replayed);
    }

    [Fact]
    public void At_the_cap_callbacks_fail_closed_until_the_oldest_attempts_expire()
    {
        var attempts = Attempts(3);
        for (var i = 0; i < 3; i++)
        {
            attempts.TryConsume($"a{i}", Start.AddMinutes(15).AddSeconds(i), Start.AddSeconds(i)).Should().Be(Consumption.Consumed);
        }

        attempts.TryConsume("new", Start.AddMinutes(16), Start.AddMinutes(1)).Should().Be(Consumption.Full);
        attempts.TryConsume("a0", Start.AddMinutes(15), Start.AddMinutes(1)).Should().Be(Consumption.Replayed, "a full memory still knows its replays");
        attempts.Count.Should().Be(3);

        attempts.TryConsume("new", Start.AddMinutes(16), Start.AddMinutes(15).AddSeconds(0.5)).Should().Be(Consumption.Consumed, "a0 expired and made room");
        attempts.Count.Should().Be(3);
    }

    [Fact]
    public void A_hundred_thousand_sign_ins_over_three_timeouts_never_hold_more_than_the_cap()
    {
        var attempts = Attempts(50_000);
        var max = 0;
        var refused = 0;
        for (var i = 0; i < 100_000; i++)
        {
            // One sign-in every 27 ms for 45 minutes: 33,333 live at any time with the 15-minute timeout.
            var now = Start.AddMilliseconds(i * 27L);
            if (attempts.TryConsume($"attempt-{i}", now.AddMinutes(15), now) != Consumption.Consumed)
            {
                refused++;
            }

            max = Math.Max(max, attempts.Count);
        }

        refused.Should().Be(0);
        max.Should().BeInRange(33_000, 33_400, "expired attempts are dropped as time passes");
    }

    [Fact]
    public void A_capacity_below_one_is_refused_once_however_many_schemes()
    {
        var services = new ServiceCollection();
        services.AddAuthentication().AddConnector("a", null, o => o.ConnectorId = "x").AddConnector("b", null, o => o.ConnectorId = "y");
        services.Configure<ConnectorReplayOptions>(o => o.Capacity = 0);
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<ConnectorReplayOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal("ConnectorReplayOptions.Capacity must be at least 1 (was 0).");
    }
}
