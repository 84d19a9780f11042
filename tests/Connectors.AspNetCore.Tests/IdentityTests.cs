using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using System.Text.RegularExpressions;
using Connectors.Mailgun;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Connectors.AspNetCore.Tests;

/// <summary>The schemes and the email-code sign-in inside ASP.NET Core Identity on EF Core (SQLite in memory), as
/// an identity server uses them.</summary>
[Collection(WireMockTest.Collection)]
public sealed partial class IdentityTests(WireMockFixture fixture) : WireMockTest(fixture), IDisposable
{
    private const string MailgunKey = "mailgun-key-S3CR3T";
    private readonly SqliteConnection _db = new("DataSource=:memory:");

    public void Dispose() => _db.Dispose();

    public sealed class Db(DbContextOptions<Db> options) : IdentityDbContext<IdentityUser>(options);

    /// <summary>Identity over the in-memory database: unique emails, the external and application cookies.</summary>
    private Action<WebApplicationBuilder> Identity(Action<IdentityOptions>? identity = null, Action<WebApplicationBuilder>? more = null) => builder =>
    {
        builder.Services.AddDbContext<Db>(o => o.UseSqlite(_db));
        builder.Services.AddIdentityCore<IdentityUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                identity?.Invoke(o);
            })
            .AddEntityFrameworkStores<Db>()
            .AddSignInManager();
        builder.Services.AddAuthentication().AddIdentityCookies();
        more?.Invoke(builder);
    };

    private async Task<TestApp> StartAsync(Action<WebApplicationBuilder> services, Action<WebApplication> endpoints, Action<ConnectorAuthenticationOptions>? wecom = null)
    {
        _db.Open();
        var app = await TestApp.StartAsync(WireMock.BaseUri, Logs, services, endpoints, wecom);
        using var scope = app.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<Db>().Database.EnsureCreatedAsync();
        return app;
    }

    private async Task<T> InScopeAsync<T>(TestApp app, Func<UserManager<IdentityUser>, Task<T>> work)
    {
        using var scope = app.Services.CreateScope();
        return await work(scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>());
    }

    [Fact]
    public async Task Two_WeCom_corps_behind_one_resolver_with_the_same_userid_get_two_local_accounts()
    {
        await WireMock.StubAsync("""{ "request": { "method": "GET", "urlPath": "/cgi-bin/gettoken" }, "response": { "status": 200, "jsonBody": { "errcode": 0, "access_token": "wecom-token-ACCESS1", "expires_in": 7200 } } }""");
        foreach (var file in new[] { "getuserinfo", "user-get" })
        {
            await WireMock.LoadContractAsync($"wecom/{file}.json");
        }

        var resolved = new List<string>();
        await using var app = await StartAsync(
            Identity(o => o.User.RequireUniqueEmail = false), // these members have no email
            endpoints: app =>
            {
                // As an identity server does: the OIDC client being signed in to names the corp.
                app.MapGet("/external/wecom", (string client, SignInManager<IdentityUser> signIn) =>
                {
                    var properties = signIn.ConfigureExternalAuthenticationProperties("wecom", "/external-done");
                    properties.Items["client_id"] = client;
                    return Results.Challenge(properties, ["wecom"]);
                });
                app.MapGet("/external-done", async (SignInManager<IdentityUser> signIn, UserManager<IdentityUser> users) =>
                {
                    var info = await signIn.GetExternalLoginInfoAsync();
                    if (info is null)
                    {
                        return Results.Unauthorized();
                    }

                    var user = await users.FindByLoginAsync(info.LoginProvider, info.ProviderKey);
                    if (user is null)
                    {
                        user = new IdentityUser("user-" + Guid.NewGuid().ToString("N"));
                        (await users.CreateAsync(user)).Succeeded.Should().BeTrue();
                        (await users.AddLoginAsync(user, info)).Succeeded.Should().BeTrue();
                    }

                    return Results.Json(new { user.Id, info.ProviderKey, UserId = info.Principal.FindFirstValue(ConnectorClaimTypes.UserId) });
                });
            },
            wecom: o =>
            {
                o.SignInScheme = IdentityConstants.ExternalScheme;
                o.Config = null;
                o.ConfigResolver = context =>
                {
                    var corp = context.Properties.Items["client_id"] == "app-a" ? "ww-corp-a" : "ww-corp-b";
                    lock (resolved)
                    {
                        resolved.Add($"{context.HttpContext.Request.Path} {corp}");
                    }

                    return ValueTask.FromResult(ConnectorHost.Json($$"""{ "corpId": "{{corp}}", "agentId": "1000002", "secret": "secret-{{corp}}" }"""));
                };
            });

        async Task<JsonElement> SignInAsync(string client)
        {
            var browser = app.NewBrowser();
            using var challenge = await browser.GetAsync($"/external/wecom?client={client}");
            var state = SocialCallback.FromQueryString(challenge.Headers.Location!.Query).Parameters["state"];
            using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");
            callback.StatusCode.Should().Be(HttpStatusCode.Redirect, await callback.Content.ReadAsStringAsync());
            using var done = await browser.GetAsync(callback.Headers.Location!.OriginalString);
            return JsonDocument.Parse(await done.Content.ReadAsStringAsync()).RootElement.Clone();
        }

        var a = await SignInAsync("app-a");
        var b = await SignInAsync("app-b");
        var againA = await SignInAsync("app-a");

        a.GetProperty("userId").GetString().Should().Be("lisi");
        b.GetProperty("userId").GetString().Should().Be("lisi", "both corps have a member lisi");
        a.GetProperty("providerKey").GetString().Should().Be("ww-corp-a|lisi");
        b.GetProperty("providerKey").GetString().Should().Be("ww-corp-b|lisi");
        b.GetProperty("id").GetString().Should().NotBe(a.GetProperty("id").GetString(), "two people, two accounts");
        againA.GetProperty("id").GetString().Should().Be(a.GetProperty("id").GetString(), "the same person comes back to the same account");
        (await InScopeAsync(app, users => users.Users.CountAsync())).Should().Be(2);
        resolved.Should().Equal(
            "/external/wecom ww-corp-a", "/signin-wecom ww-corp-a",
            "/external/wecom ww-corp-b", "/signin-wecom ww-corp-b",
            "/external/wecom ww-corp-a", "/signin-wecom ww-corp-a");
        (await WireMock.GetRequestsAsync()).Where(r => r.Path == "/cgi-bin/gettoken").Select(r => r.Query["corpid"]).Should().Equal("ww-corp-a", "ww-corp-b");
    }

    [Fact]
    public async Task With_OIDC_claim_names_the_principal_has_sub_and_standard_claims_and_the_profile_is_saved()
    {
        foreach (var file in new[] { "gettoken", "getuserinfo", "user-get", "getuserdetail" })
        {
            await WireMock.LoadContractAsync($"wecom/{file}.json");
        }

        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs,
            endpoints: app => app.MapGet("/profile", async (HttpContext context) =>
                (await context.AuthenticateAsync()).Properties?.GetProfile() is { } profile ? Results.Json(profile) : Results.NotFound()),
            wecom: o =>
            {
                o.ClaimNames = ConnectorClaimNames.Oidc;
                o.SaveProfile = true;
            });
        var browser = app.NewBrowser("Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1");
        var (_, state) = await browser.ChallengeAsync("wecom");

        using var callback = await browser.CallbackAsync("wecom", $"code=code-member-ticket&state={state}");
        var claims = (await browser.MeAsync()).GetProperty("claims");
        using var profileResponse = await browser.GetAsync("/profile");
        var profile = JsonDocument.Parse(await profileResponse.Content.ReadAsStringAsync()).RootElement;

        claims.EnumerateObject().Select(c => c.Name).Should().BeEquivalentTo(
            "sub", "name", "email", "email_verified", "phone_number", "phone_number_verified", "picture",
            ConnectorClaimTypes.Connector, ConnectorClaimTypes.UserId, ConnectorClaimTypes.Tenant);
        claims.GetProperty("sub").GetString().Should().Be("ww-corp-1|zhangsan");
        claims.GetProperty("name").GetString().Should().Be("张三");
        claims.GetProperty("email").GetString().Should().Be("zhangsan@gzdev.com");
        claims.GetProperty("email_verified").GetString().Should().Be("false", "an admin-set address");
        claims.GetProperty("phone_number").GetString().Should().Be("+8613800000000");
        profile.GetProperty("userid").GetString().Should().Be("zhangsan");
        profile.GetProperty("position").GetString().Should().Be("工程师");
        profile.TryGetProperty("user_ticket", out _).Should().BeFalse("a credential, not profile");
        profile.TryGetProperty("errcode", out _).Should().BeFalse();
    }

    [Fact]
    public async Task Without_SaveProfile_the_ticket_keeps_no_profile()
    {
        foreach (var file in new[] { "gettoken", "getuserinfo", "user-get" })
        {
            await WireMock.LoadContractAsync($"wecom/{file}.json");
        }

        await using var app = await TestApp.StartAsync(WireMock.BaseUri, Logs,
            endpoints: app => app.MapGet("/profile", async (HttpContext context) =>
                (await context.AuthenticateAsync()).Properties?.GetProfile() is { } profile ? Results.Json(profile) : Results.NotFound()));
        var browser = app.NewBrowser();
        var (_, state) = await browser.ChallengeAsync("wecom");
        using var callback = await browser.CallbackAsync("wecom", $"code=code-member&state={state}");
        await browser.MeAsync();

        using var profile = await browser.GetAsync("/profile");

        profile.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    // ----- Email-code sign-in -----

    private Action<WebApplicationBuilder> CodeSignIn(Action<EmailCodeSignInOptions>? configure = null, Action<IdentityOptions>? identity = null) => Identity(identity, builder =>
    {
        builder.Services.AddConnectors().AddVerificationCodes();
        builder.Services.AddConnectorEmailSender<IdentityUser>(o =>
        {
            o.ConnectorId = MailgunConnectorFactory.ConnectorId;
            o.Config = ConnectorHost.Json($$$"""
                { "endpoint": "{{{WireMock.BaseUri.AbsoluteUri}}}", "domain": "example.com", "apiKey": "{{{MailgunKey}}}", "from": "Example <noreply@example.com>",
                  "deliveries": { "SignIn": { "subject": "Your sign-in code", "html": "<p>Your code is {{code}}.</p>", "text": "Your code is {{code}}." } } }
                """);
        });
        builder.Services.AddEmailCodeSignIn<IdentityUser>(configure);
    });

    /// <summary>The host's two endpoints, as a login page posts to them: send answers only "sent" or a limit.</summary>
    private static void CodeEndpoints(WebApplication app)
    {
        app.MapPost("/code/send", async (HttpContext context, EmailCodeSignIn<IdentityUser> signIn, string email) =>
        {
            try
            {
                var sent = await signIn.SendCodeAsync(email, context.Connection.RemoteIpAddress?.ToString());
                return Results.Json(new { sent = true, sent.ExpiresAt, sent.DeliveryUnknown });
            }
            catch (ConnectorException exception) when (exception.Code == ConnectorErrorCode.RateLimitExceeded)
            {
                return Results.Json(new { sent = false, exception.Message }, statusCode: 429);
            }
        });
        app.MapPost("/code/verify", async (EmailCodeSignIn<IdentityUser> signIn, string email, string code) =>
        {
            var result = await signIn.SignInAsync(email, code);
            return Results.Json(new { status = result.Status.ToString(), result.Created, result.AttemptsLeft, result.User?.Id });
        });
        app.MapGet("/whoami-identity", async (HttpContext context) =>
        {
            var principal = (await context.AuthenticateAsync(IdentityConstants.ApplicationScheme)).Principal;
            return Results.Text(principal is null ? "-" : $"{principal.FindFirstValue(ClaimTypes.Name)} {principal.FindFirstValue(ClaimTypes.AuthenticationMethod)}");
        });
    }

    private async Task<string> LastCodeAsync()
    {
        var mail = (await WireMock.GetRequestsAsync()).Last(r => r.Path == "/v3/example.com/messages");
        return CodePattern().Match(mail.Form["text"]).Groups[1].Value;
    }

    [GeneratedRegex("Your code is ([0-9]{6})")]
    private static partial Regex CodePattern();

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(Browser browser, string url)
    {
        using var response = await browser.PostAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private int DatabaseCommands => Logs.Entries.Count(e => e.Category == "Microsoft.EntityFrameworkCore.Database.Command" && e.Id.Name == "CommandExecuted");

    [Fact]
    public async Task Asking_a_code_for_a_known_and_an_unknown_address_gives_the_same_answer_the_same_mail_and_no_account_lookup()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        await using var app = await StartAsync(CodeSignIn(), CodeEndpoints);
        await InScopeAsync(app, users => users.CreateAsync(new IdentityUser("known@example.com") { Email = "known@example.com", EmailConfirmed = true }));
        var commands = DatabaseCommands;

        var known = await PostAsync(app.NewBrowser(), "/code/send?email=known@example.com");
        var unknown = await PostAsync(app.NewBrowser(), "/code/send?email=unknown@example.com");
        var knownAgain = await PostAsync(app.NewBrowser(), "/code/send?email=known@example.com");
        var unknownAgain = await PostAsync(app.NewBrowser(), "/code/send?email=unknown@example.com");

        known.Status.Should().Be(HttpStatusCode.OK);
        unknown.Should().Be(known, "the answer does not tell whether an account has the address");
        knownAgain.Status.Should().Be((HttpStatusCode)429);
        unknownAgain.Should().Be(knownAgain, "nor does the cooldown");
        DatabaseCommands.Should().Be(commands, "sending never looks the address up");
        var mails = (await WireMock.GetRequestsAsync()).Where(r => r.Path == "/v3/example.com/messages").ToList();
        mails.Select(m => (m.Form["to"], m.Form["subject"])).Should().Equal(("known@example.com", "Your sign-in code"), ("unknown@example.com", "Your sign-in code"));
        mails.Select(m => CodePattern().Replace(m.Form["text"], "Your code is ******")).Distinct().Should().ContainSingle("one mail for both");
    }

    [Fact]
    public async Task The_right_code_creates_the_account_on_first_use_then_signs_the_same_account_in()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        await using var app = await StartAsync(CodeSignIn(), CodeEndpoints);
        var browser = app.NewBrowser();

        await PostAsync(browser, "/code/send?email=Ada@Example.com");
        var first = JsonDocument.Parse((await PostAsync(browser, $"/code/verify?email=Ada@Example.com&code={await LastCodeAsync()}")).Body).RootElement.Clone();
        var signedInAs = await (await browser.GetAsync("/whoami-identity")).Content.ReadAsStringAsync();
        app.Time.Advance(TimeSpan.FromMinutes(2));
        var other = app.NewBrowser();
        await PostAsync(other, "/code/send?email=ada@example.com");
        var second = JsonDocument.Parse((await PostAsync(other, $"/code/verify?email=ada@example.com&code={await LastCodeAsync()}")).Body).RootElement.Clone();

        first.GetProperty("status").GetString().Should().Be("SignedIn");
        first.GetProperty("created").GetBoolean().Should().BeTrue();
        signedInAs.Should().Be("ada@example.com otp", "signed in with Identity's application cookie, by a one-time password");
        second.GetProperty("status").GetString().Should().Be("SignedIn");
        second.GetProperty("created").GetBoolean().Should().BeFalse();
        second.GetProperty("id").GetString().Should().Be(first.GetProperty("id").GetString());
        var user = await InScopeAsync(app, users => users.FindByEmailAsync("ada@example.com"));
        user!.EmailConfirmed.Should().BeTrue("the code proved the address");
        user.UserName.Should().Be("ada@example.com");
        Logs.AllText.Should().NotContain(await LastCodeAsync());
    }

    [Fact]
    public async Task The_code_limits_hold_a_used_code_fails_and_wrong_codes_lock_for_known_and_unknown_alike()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        await using var app = await StartAsync(CodeSignIn(), CodeEndpoints);
        await InScopeAsync(app, users => users.CreateAsync(new IdentityUser("known@example.com") { Email = "known@example.com", EmailConfirmed = true }));

        var answers = new Dictionary<string, List<string>>();
        foreach (var address in new[] { "known@example.com", "unknown@example.com" })
        {
            var browser = app.NewBrowser();
            await PostAsync(browser, $"/code/send?email={address}");
            var code = await LastCodeAsync();
            var wrong = code == "000000" ? "000001" : "000000";
            var list = answers[address] = [];
            for (var i = 0; i < 5; i++)
            {
                list.Add(JsonDocument.Parse((await PostAsync(browser, $"/code/verify?email={address}&code={wrong}")).Body).RootElement.GetProperty("status").GetString()!);
            }

            list.Add(JsonDocument.Parse((await PostAsync(browser, $"/code/verify?email={address}&code={code}")).Body).RootElement.GetProperty("status").GetString()!);
            (await (await browser.GetAsync("/whoami-identity")).Content.ReadAsStringAsync()).Should().Be("-");
        }

        answers["known@example.com"].Should().Equal("WrongCode", "WrongCode", "WrongCode", "WrongCode", "Locked", "Locked");
        answers["unknown@example.com"].Should().Equal(answers["known@example.com"]);
        (await InScopeAsync(app, users => users.Users.CountAsync())).Should().Be(1, "no account for a locked address");

        // A used code does not sign in twice.
        app.Time.Advance(TimeSpan.FromHours(2));
        var again = app.NewBrowser();
        await PostAsync(again, "/code/send?email=known@example.com");
        var fresh = await LastCodeAsync();
        JsonDocument.Parse((await PostAsync(again, $"/code/verify?email=known@example.com&code={fresh}")).Body).RootElement.GetProperty("status").GetString().Should().Be("SignedIn");
        JsonDocument.Parse((await PostAsync(app.NewBrowser(), $"/code/verify?email=known@example.com&code={fresh}")).Body).RootElement.GetProperty("status").GetString().Should().Be("NoCode");
    }

    [Fact]
    public async Task Without_CreateUsers_an_unknown_address_gets_NoAccount_after_the_right_code_only()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        await using var app = await StartAsync(CodeSignIn(o => o.CreateUsers = false), CodeEndpoints);
        var browser = app.NewBrowser();

        var sent = await PostAsync(browser, "/code/send?email=stranger@example.com");
        var wrong = JsonDocument.Parse((await PostAsync(browser, "/code/verify?email=stranger@example.com&code=abc")).Body).RootElement.GetProperty("status").GetString();
        var right = JsonDocument.Parse((await PostAsync(browser, $"/code/verify?email=stranger@example.com&code={await LastCodeAsync()}")).Body).RootElement.GetProperty("status").GetString();

        sent.Status.Should().Be(HttpStatusCode.OK, "a code goes out whether or not an account exists");
        wrong.Should().Be("WrongCode");
        right.Should().Be("NoAccount");
        (await InScopeAsync(app, users => users.Users.CountAsync())).Should().Be(0);
    }

    [Fact]
    public async Task An_account_made_in_advance_with_an_unproven_address_loses_its_password_and_logins_when_the_owner_signs_in()
    {
        await WireMock.LoadContractAsync("mailgun/messages.json");
        await using var app = await StartAsync(CodeSignIn(), CodeEndpoints);
        await InScopeAsync(app, async users =>
        {
            var squatter = new IdentityUser("squatter") { Email = "victim@example.com" };
            await users.CreateAsync(squatter, "Squatter-Passw0rd!");
            return await users.AddLoginAsync(squatter, new UserLoginInfo("huggingface", "https://huggingface.co|squatter", "Hugging Face"));
        });
        var stamp = (await InScopeAsync(app, users => users.FindByEmailAsync("victim@example.com")))!.SecurityStamp;
        var browser = app.NewBrowser();

        await PostAsync(browser, "/code/send?email=victim@example.com");
        var result = JsonDocument.Parse((await PostAsync(browser, $"/code/verify?email=victim@example.com&code={await LastCodeAsync()}")).Body).RootElement;

        result.GetProperty("status").GetString().Should().Be("SignedIn");
        var user = (await InScopeAsync(app, users => users.FindByEmailAsync("victim@example.com")))!;
        user.EmailConfirmed.Should().BeTrue();
        user.PasswordHash.Should().BeNull("whoever set the password never proved the address");
        (await InScopeAsync(app, users => users.GetLoginsAsync(user))).Should().BeEmpty("nor did whoever linked a login");
        user.SecurityStamp.Should().NotBe(stamp, "the squatter's sessions end");
    }

    [Fact]
    public async Task Email_code_sign_in_without_the_verification_codes_fails_at_start_saying_what_to_add()
    {
        var act = () => StartAsync(Identity(more: b =>
        {
            b.Services.AddConnectorEmailSender<IdentityUser>(o =>
            {
                o.ConnectorId = MailgunConnectorFactory.ConnectorId;
                o.Config = ConnectorHost.Json($$$"""{ "endpoint": "{{{WireMock.BaseUri.AbsoluteUri}}}", "domain": "example.com", "apiKey": "{{{MailgunKey}}}", "from": "noreply@example.com", "deliveries": { "SignIn": { "subject": "s", "html": "{{code}}" } } }""");
            });
            b.Services.AddEmailCodeSignIn<IdentityUser>();
        }), CodeEndpoints);

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("AddVerificationCodes()");
    }

    [Fact]
    public async Task The_email_sender_with_an_invalid_connector_config_fails_at_start_with_the_connectors_message()
    {
        var act = () => StartAsync(Identity(more: b => b.Services.AddConnectorEmailSender<IdentityUser>(o =>
        {
            o.ConnectorId = MailgunConnectorFactory.ConnectorId;
            o.Config = ConnectorHost.Json($$$"""{ "domain": "example.com", "apiKey": "{{{MailgunKey}}}", "from": "noreply@example.com", "deliveries": { "SignIn": { "subject": "s", "text": "{{code}}" } } }""");
        })), _ => { });

        var message = (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message;

        message.Should().Contain("deliveries.SignIn: has only text");
        message.Should().NotContain(MailgunKey);
    }

    [Fact]
    public async Task The_email_sender_without_a_connector_id_fails_at_start()
    {
        var act = () => StartAsync(Identity(more: b => b.Services.AddConnectorEmailSender<IdentityUser>(o => o.Config = ConnectorHost.Json("{}"))), _ => { });

        (await act.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain("ConnectorEmailSenderOptions.ConnectorId is required");
    }
}
