using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Connectors.IdentityServer.Tests;

/// <summary>Apps written for Logto (next-auth v4 with the guide's provider block, Auth.js's Logto provider, Logto's
/// own SDK) sign in through the identity server with WeCom, Hugging Face and an emailed code, get single sign-on on
/// a second app, and sign out of the server.</summary>
[CollectionDefinition(Name)]
public sealed class IdentityServerCollection : ICollectionFixture<IdentityServerFixture>
{
    public const string Name = "identity server";
}

[Collection(IdentityServerCollection.Name)]
public sealed partial class ClientAppTests(IdentityServerFixture fixture)
{
    // Browser waits are conditions; the bound is generous for a busy 2-core CI machine.
    private const float Bound = 60_000;

    private string Issuer => new Uri(fixture.Server, "oidc").AbsoluteUri;

    /// <summary>Who each method signs in: the simulated WeCom member 张三 (browser login: no email), the simulated
    /// Hugging Face user Ada (a verified email), or a fresh address by code.</summary>
    private static (string Name, string? Email) Expected(string method, string address) => method switch
    {
        "wecom" => ("张三", null),
        "huggingface" => ("Ada Lovelace", "ada@example.com"),
        _ => (address, address),
    };

    /// <summary>Waits until the page is at <paramref name="url"/>; on timeout, says where it is and what it shows.</summary>
    private async Task AtAsync(IPage page, Regex url)
    {
        try
        {
            await page.WaitForURLAsync(url, new() { Timeout = Bound });
        }
        catch (TimeoutException)
        {
            var text = await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 });
            throw new TimeoutException($"Expected {url} but the page is at {page.Url}, showing: {text[..Math.Min(text.Length, 2000)]}\nApps: {fixture.AppOutput}");
        }
    }

    private Task AtAsync(IPage page, Uri url) => AtAsync(page, new Regex("^" + Regex.Escape(url.AbsoluteUri) + "$"));

    private Task AtLoginAsync(IPage page) => AtAsync(page, new Regex("^" + Regex.Escape(fixture.Server.AbsoluteUri) + "login\\?"));

    private async Task<IPage> NewPageAsync()
    {
        var context = await fixture.Browser.NewContextAsync();
        context.SetDefaultTimeout(Bound);
        return await context.NewPageAsync();
    }

    /// <summary>On the server's login page: signs in with <paramref name="method"/>.</summary>
    private async Task SignInOnServerAsync(IPage page, string method, string address)
    {
        await AtLoginAsync(page);
        switch (method)
        {
            case "wecom":
                await page.ClickAsync("#wecom");
                await page.ClickAsync("#member-zhangsan");
                break;
            case "huggingface":
                await page.ClickAsync("#huggingface");
                await page.ClickAsync("#approve");
                break;
            default:
                await page.FillAsync("#email", address);
                await page.ClickAsync("#send-code");
                await Expect(page.Locator("#note")).ToContainTextAsync("We sent a code");
                await page.FillAsync("#code", await CodeFromInboxAsync(address));
                await page.ClickAsync("#verify");
                break;
        }
    }

    [Fact]
    public async Task The_code_page_keeps_its_form_through_a_refused_resend_and_a_reload_and_drops_it_when_locked()
    {
        var page = await NewPageAsync();
        var address = NewAddress();
        await page.GotoAsync(new Uri(fixture.Server, "login").AbsoluteUri, new() { WaitUntil = WaitUntilState.Commit });
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send-code");
        await Expect(page.Locator("#note")).ToContainTextAsync("We sent a code");

        await page.ClickAsync("#resend");
        await Expect(page.Locator("#error")).ToContainTextAsync("A code was sent to this address moments ago: enter it below");
        await page.ReloadAsync(new() { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("#error")).ToContainTextAsync("moments ago");
        var code = await CodeFromInboxAsync(address);
        var wrong = ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await page.FillAsync("#code", wrong);
            await page.ClickAsync("#verify");
            await Expect(page.Locator("#error")).ToHaveTextAsync($"That code is not right; {5 - attempt} tries left.");
        }

        await page.ReloadAsync(new() { WaitUntil = WaitUntilState.Commit }); // a GET: it tries no code again
        await Expect(page.Locator("#error")).ToHaveTextAsync("That code is not right; 1 tries left.");
        await page.FillAsync("#code", wrong);
        await page.ClickAsync("#verify");

        await Expect(page.Locator("#error")).ToContainTextAsync("locked");
        await Expect(page.Locator("#code")).ToHaveCountAsync(0);
        await Expect(page.Locator("#resend")).ToHaveCountAsync(0);
        using var http = new HttpClient();
        MailTo(address).Matches(await http.GetStringAsync(new Uri(fixture.Server, "sim/mailgun/inbox"))).Count.Should().Be(1, "the refused resend and the reloads sent nothing");
    }

    [Fact]
    public async Task The_login_page_shows_only_its_own_error_texts()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server };

        var crafted = await http.GetStringAsync("/login?error=" + Uri.EscapeDataString("Your account is suspended: call +1 555 0100"));
        var refused = await http.GetStringAsync("/login?error=refused");

        crafted.Should().NotContain("suspended").And.NotContain("id=\"error\"");
        refused.Should().Contain("This account cannot sign in.");
    }

    private static Regex MailTo(string address) => new($"data-to=\"{Regex.Escape(address)}\"");

    /// <summary>The code in the newest mail the simulated Mailgun accepted for <paramref name="address"/>.</summary>
    private async Task<string> CodeFromInboxAsync(string address)
    {
        using var http = new HttpClient();
        var inbox = await http.GetStringAsync(new Uri(fixture.Server, "sim/mailgun/inbox"));
        var mail = new Regex($"data-to=\"{Regex.Escape(address)}\".*?sign-in code is ([0-9]{{6}})", RegexOptions.Singleline).Match(inbox);
        mail.Success.Should().BeTrue($"a mail to {address} is in the inbox");
        return mail.Groups[1].Value;
    }

    private static string NewAddress() => $"user-{Guid.NewGuid():N}@example.com";

    private static async Task<JsonElement> JsonBodyAsync(IPage page) => JsonDocument.Parse(await page.Locator("body").InnerTextAsync()).RootElement.Clone();

    /// <summary>Auth.js (v4 and v5): its sign-in page, the provider button, then the server.</summary>
    private static async Task StartAuthJsSignInAsync(IPage page, Uri app, string basePath)
    {
        await page.GotoAsync(new Uri(app, basePath + "/signin").AbsoluteUri);
        await page.ClickAsync("button:has-text('Logto')");
    }

    private async Task<JsonElement> AuthJsSessionAsync(IPage page, Uri app, string basePath)
    {
        await AtAsync(page, new Regex("^" + Regex.Escape(app.AbsoluteUri)));
        await page.GotoAsync(new Uri(app, basePath + "/session").AbsoluteUri);
        return await JsonBodyAsync(page);
    }

    /// <summary>Signs out of an Auth.js app, which then ends the server's session (its end-session endpoint with
    /// client_id and post_logout_redirect_uri); the next sign-in shows the server's login page again.</summary>
    private async Task SignOutOfAuthJsAsync(IPage page, Uri app, string basePath)
    {
        await page.GotoAsync(app.AbsoluteUri);
        await page.ClickAsync("#signout");
        await page.ClickAsync("button:has-text('Sign out')");
        await AtAsync(page, app);
        await StartAuthJsSignInAsync(page, app, basePath);
        await AtLoginAsync(page);
    }

    /// <summary>next-auth v4 with the guide's provider block (its routes under <c>/api/auth</c>), or Auth.js's Logto
    /// provider on @auth/core (under <c>/auth</c>).</summary>
    private (Uri App, string BasePath, string ClientId) AuthJs(string app) => app == "next-auth v4"
        ? (fixture.NextAuth, "api/auth", "nextauth-app")
        : (fixture.AuthJs, "auth", "authjs-app");

    [Theory]
    [InlineData("next-auth v4", "wecom")]
    [InlineData("next-auth v4", "huggingface")]
    [InlineData("next-auth v4", "email")]
    [InlineData("Auth.js Logto provider", "wecom")]
    [InlineData("Auth.js Logto provider", "huggingface")]
    [InlineData("Auth.js Logto provider", "email")]
    public async Task Auth_js_apps_sign_in_and_out(string app, string method)
    {
        var (uri, basePath, clientId) = AuthJs(app);
        var page = await NewPageAsync();
        var address = NewAddress();
        var (name, email) = Expected(method, address);

        await StartAuthJsSignInAsync(page, uri, basePath);
        await SignInOnServerAsync(page, method, address);
        var session = await AuthJsSessionAsync(page, uri, basePath);

        session.GetProperty("user").GetProperty("name").GetString().Should().Be(name, fixture.AppOutput);
        (session.GetProperty("user").TryGetProperty("email", out var mail) && mail.ValueKind == JsonValueKind.String ? mail.GetString() : null).Should().Be(email);
        var tokens = session.GetProperty("tokens");
        tokens.GetProperty("refresh").GetBoolean().Should().BeTrue("offline_access gives a refresh token");
        tokens.GetProperty("id").GetBoolean().Should().BeTrue("an ID token, which the app's library checked (ES384)");
        var profile = session.GetProperty("profile");
        profile.GetProperty("sub").GetString().Should().NotBeNullOrEmpty();
        // The profile is the ID token's claims: Logto's, as Logto writes them.
        profile.GetProperty("iss").GetString().Should().Be(Issuer);
        profile.GetProperty("aud").GetString().Should().Be(clientId, "a single-string audience");
        if (email is not null)
        {
            profile.GetProperty("email_verified").GetBoolean().Should().BeTrue("a boolean, as Logto's");
        }

        await SignOutOfAuthJsAsync(page, uri, basePath);
    }

    [Theory]
    [InlineData("wecom")]
    [InlineData("huggingface")]
    [InlineData("email")]
    public async Task Logtos_SDK_signs_in_reads_userinfo_and_a_resource_token_and_signs_out(string method)
    {
        var page = await NewPageAsync();
        var address = NewAddress();
        var (name, email) = Expected(method, address);

        await page.GotoAsync(new Uri(fixture.LogtoSdk, "sign-in").AbsoluteUri);
        await SignInOnServerAsync(page, method, address);
        await AtAsync(page, fixture.LogtoSdk);
        var state = JsonDocument.Parse(await page.Locator("#state").InnerTextAsync()).RootElement;

        state.GetProperty("authenticated").GetBoolean().Should().BeTrue(fixture.AppOutput);
        var claims = state.GetProperty("claims");
        claims.GetProperty("iss").GetString().Should().Be(Issuer);
        claims.GetProperty("aud").GetString().Should().Be("logto-sdk-app");
        claims.GetProperty("name").GetString().Should().Be(name);
        var userinfo = state.GetProperty("userinfo");
        userinfo.GetProperty("sub").GetString().Should().Be(claims.GetProperty("sub").GetString());
        (userinfo.TryGetProperty("email", out var mail) ? mail.GetString() : null).Should().Be(email);
        if (method != "email")
        {
            userinfo.GetProperty("identities").GetProperty(method).GetProperty("userId").GetString().Should().NotBeNullOrEmpty("the identities scope names the provider's user");
        }

        // Small enough for a 4 KB session cookie (Flask's Logto SDK keeps them all in one), with room for the rest.
        state.GetProperty("sizes").GetProperty("total").GetInt32().Should().BeLessThan(3000, state.GetProperty("sizes").ToString());
        var token = state.GetProperty("resource");
        token.GetProperty("aud").ToString().Should().Contain(IdentityServerFixture.Resource, "an access token for the resource, read as a plain JWT");
        token.GetProperty("sub").GetString().Should().Be(claims.GetProperty("sub").GetString());

        await page.GotoAsync(new Uri(fixture.LogtoSdk, "sign-out").AbsoluteUri);
        await AtAsync(page, fixture.LogtoSdk);
        JsonDocument.Parse(await page.Locator("#state").InnerTextAsync()).RootElement.GetProperty("authenticated").GetBoolean().Should().BeFalse();
        await page.GotoAsync(new Uri(fixture.LogtoSdk, "sign-in").AbsoluteUri);
        await AtLoginAsync(page);
    }

    [Fact]
    public async Task A_second_app_signs_in_without_the_login_page_single_sign_on()
    {
        var page = await NewPageAsync();
        var logins = 0;
        page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(fixture.Server.AbsoluteUri + "login?", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref logins);
            }
        };

        await page.GotoAsync(new Uri(fixture.LogtoSdk, "sign-in").AbsoluteUri);
        await SignInOnServerAsync(page, "huggingface", string.Empty);
        await AtAsync(page, fixture.LogtoSdk);
        var first = JsonDocument.Parse(await page.Locator("#state").InnerTextAsync()).RootElement.GetProperty("claims").GetProperty("sub").GetString();
        await StartAuthJsSignInAsync(page, fixture.AuthJs, "auth");
        var session = await AuthJsSessionAsync(page, fixture.AuthJs, "auth");

        logins.Should().Be(1, "the second app's sign-in used the server's session");
        session.GetProperty("profile").GetProperty("sub").GetString().Should().Be(first, "one user, one account");
    }
}
