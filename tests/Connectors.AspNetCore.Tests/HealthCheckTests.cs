using Connectors.Mailgun;
using Connectors.WeCom;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Connectors.AspNetCore.Tests;

[Collection(WireMockTest.Collection)]
public sealed class HealthCheckTests(WireMockFixture fixture) : WireMockTest(fixture)
{
    private static void WeCom(ConnectorHealthCheckOptions o)
    {
        o.ConnectorId = WeComConnectorFactory.ConnectorId;
        o.Config = ConnectorHost.Json(TestApp.WeComConfig);
    }

    [Fact]
    public async Task A_WeCom_check_is_healthy_when_WeCom_accepts_the_credentials()
    {
        await WireMock.LoadContractAsync("wecom/gettoken.json");
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, services: b => b.Services.AddHealthChecks().AddConnector("wecom", WeCom));

        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Status.Should().Be(HealthStatus.Healthy);
        report.Entries["wecom"].Description.Should().Be("WeCom: the config is valid and the provider accepts it.");
        report.Entries["wecom"].Data["connector"].Should().Be("wecom-universal");
        var gettoken = (await WireMock.GetRequestsAsync()).Should().ContainSingle().Subject;
        (gettoken.Path, gettoken.Query["corpid"], gettoken.Query["corpsecret"]).Should().Be(("/cgi-bin/gettoken", "ww-corp-1", "wecom-secret-S3CR3T"));
    }

    [Fact]
    public async Task Without_ProbeProvider_only_the_config_is_checked()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, services: b => b.Services.AddHealthChecks().AddConnector("wecom", o =>
        {
            WeCom(o);
            o.ProbeProvider = false;
        }));

        var entry = (await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["wecom"];

        entry.Status.Should().Be(HealthStatus.Healthy);
        entry.Description.Should().Be("WeCom: the config is valid.");
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Refused_credentials_are_unhealthy_and_the_result_is_reused_for_the_cache_duration()
    {
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" }, "response": { "status": 200, "jsonBody": { "errcode": 40001, "errmsg": "invalid credential wecom-secret-S3CR3T" } } }""");
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, services: b => b.Services.AddHealthChecks().AddConnector("wecom", o =>
        {
            WeCom(o);
            o.CacheDuration = TimeSpan.FromSeconds(60);
        }));
        var health = app.Services.GetRequiredService<HealthCheckService>();

        var first = await health.CheckHealthAsync();
        var probes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => health.CheckHealthAsync()));
        app.Time.Advance(TimeSpan.FromSeconds(59));
        await health.CheckHealthAsync();
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1, "every probe within the period reuses the first result");
        app.Time.Advance(TimeSpan.FromSeconds(2));
        var later = await health.CheckHealthAsync();

        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(2);
        var entry = first.Entries["wecom"];
        entry.Status.Should().Be(HealthStatus.Unhealthy);
        entry.Data["error.type"].Should().Be("invalid_config");
        entry.Description.Should().Contain("the secret was rejected").And.NotContain("wecom-secret-S3CR3T");
        probes.Should().OnlyContain(r => r.Entries["wecom"].Status == HealthStatus.Unhealthy);
        later.Entries["wecom"].Status.Should().Be(HealthStatus.Unhealthy);
    }

    [Fact]
    public async Task An_invalid_config_reports_every_problem_without_asking_the_provider_and_with_the_chosen_status()
    {
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, services: b => b.Services.AddHealthChecks().AddConnector("mailgun", o =>
        {
            o.ConnectorId = MailgunConnectorFactory.ConnectorId;
            o.Config = ConnectorHost.Json("""{ "domain": "mg.example.com", "apiKey": "key-S3CR3T", "deliveries": {} }""");
        }, HealthStatus.Degraded));

        var entry = (await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["mailgun"];

        entry.Status.Should().Be(HealthStatus.Degraded);
        entry.Data["error.type"].Should().Be("invalid_config");
        entry.Description.Should().Contain("from").And.NotContain("key-S3CR3T");
        (await WireMock.GetRequestsAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_scheme_check_uses_the_schemes_connector_and_config()
    {
        await WireMock.LoadContractAsync("wecom/gettoken.json");
        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, services: b => b.Services.AddHealthChecks()
            .AddConnector("wecom-scheme", o => o.Scheme = "wecom")
            .AddConnector("unknown-scheme", o => o.Scheme = "nope"));

        var report = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        report.Entries["wecom-scheme"].Status.Should().Be(HealthStatus.Healthy);
        report.Entries["unknown-scheme"].Status.Should().Be(HealthStatus.Unhealthy);
        report.Entries["unknown-scheme"].Description.Should().Contain("'nope' has no fixed config");
        (await WireMock.CountAsync("GET", "/cgi-bin/gettoken")).Should().Be(1);
    }

    [Fact]
    public void Options_are_checked_at_start_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddConnectors().AddWeCom();
        services.AddHealthChecks()
            .AddConnector("both", o =>
            {
                WeCom(o);
                o.Scheme = "wecom";
            })
            .AddConnector("no-id", o => o.Config = ConnectorHost.Json("{}"))
            .AddConnector("negative", o =>
            {
                WeCom(o);
                o.CacheDuration = TimeSpan.FromSeconds(-1);
            });
        using var provider = services.BuildServiceProvider();

        var start = () => provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate();

        start.Should().Throw<AggregateException>().Which.InnerExceptions.Cast<Microsoft.Extensions.Options.OptionsValidationException>().SelectMany(e => e.Failures).Should().BeEquivalentTo(
            "Connector health check 'both': ConnectorHealthCheckOptions needs exactly one of Config, Configuration or Scheme (it has 2).",
            "Connector health check 'no-id': ConnectorHealthCheckOptions.ConnectorId is required with Config or Configuration (e.g. wecom-universal).",
            "Connector health check 'negative': ConnectorHealthCheckOptions.CacheDuration must not be negative (was -00:00:01).");
    }
}
