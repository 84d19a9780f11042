using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Connectors.SampleHost.Tests;

/// <summary>
/// End-to-end sign-ins in headless Chromium. Every wait is a retrying Playwright assertion on what the page shows
/// (URL, element text): the tests never wait for the browser's load event, which once did not reach Playwright
/// within 30 s in CI (Debian's Chromium is not the build Playwright pins), although the page had loaded.
/// </summary>
public sealed partial class SignInTests(SampleHostFixture host) : IClassFixture<SampleHostFixture>, IAsyncLifetime
{
    private const string WxWorkUserAgent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh";
    private static readonly PageGotoOptions Committed = new() { WaitUntil = WaitUntilState.Commit };
    private IBrowserContext? _context;

    static SignInTests() => SetDefaultExpectTimeout(20_000);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.CloseAsync();
        }
    }

    private async Task<IPage> OpenAsync(string? userAgent = null)
    {
        _context = await host.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = host.BaseUri.AbsoluteUri, UserAgent = userAgent });
        var page = await _context.NewPageAsync();
        await page.GotoAsync("/", Committed);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in to the Connectors sample");
        return page;
    }

    private Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(host.ScreenshotDirectory, name + ".png"), FullPage = true });

    private Task ExpectHomeAsync(IPage page) => Expect(page).ToHaveURLAsync(host.BaseUri.AbsoluteUri);

    private static async Task AssertSignedInAsync(IPage page, string connector, string id, string name, string? email)
    {
        await Expect(page.Locator("h1")).ToHaveTextAsync("Signed in");
        await Expect(page.Locator("#connector")).ToHaveTextAsync(connector);
        await Expect(page.Locator("#user-id")).ToHaveTextAsync(id);
        await Expect(page.Locator("#user-name")).ToHaveTextAsync(name);
        await Expect(page.Locator("#user-email")).ToHaveTextAsync(email ?? string.Empty);
    }

    [Fact]
    public async Task Healthz_reports_the_connectors_healthy()
    {
        using var http = new HttpClient { BaseAddress = host.BaseUri };

        using var response = await http.GetAsync("/healthz");

        response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [Fact]
    public async Task WeCom_browser_login_signs_in_a_member()
    {
        var page = await OpenAsync();

        await page.ClickAsync("#wecom");
        await Expect(page).ToHaveURLAsync(new Regex("/sim/wecom/wwlogin/sso/login\\?login_type=CorpApp&"));
        await Expect(page.Locator("#flow")).ToHaveTextAsync("Browser login (CorpApp)");
        await Expect(page.Locator("#provider-banner")).ToContainTextAsync("WeCom (simulated): you are on the provider's page");
        await page.ClickAsync("#member-lisi");
        await ExpectHomeAsync(page);

        await AssertSignedInAsync(page, "WeCom", "lisi", "李四", null);
        await Expect(page.Locator("#email-note")).ToContainTextAsync("WeCom's browser login gives the member's id and name only");
        await ScreenshotAsync(page, "wecom-browser");
    }

    [Fact]
    public async Task A_replayed_callback_while_signed_in_says_the_user_is_still_signed_in()
    {
        var page = await OpenAsync();
        await page.ClickAsync("#huggingface");
        await page.ClickAsync("#approve");
        await ExpectHomeAsync(page);
        await AssertSignedInAsync(page, "Hugging Face", "64f1e2d3c4b5a69788796a5b", "Ada Lovelace", "ada@example.com");

        await page.GoBackAsync(new PageGoBackOptions { WaitUntil = WaitUntilState.Commit }); // the provider's page
        await page.ClickAsync("#approve"); // a second callback, for an attempt that already ended

        await Expect(page.Locator("h1")).ToHaveTextAsync("You are still signed in");
        await Expect(page.Locator("#error")).Not.ToBeEmptyAsync();
        await page.ClickAsync("#continue");
        await AssertSignedInAsync(page, "Hugging Face", "64f1e2d3c4b5a69788796a5b", "Ada Lovelace", "ada@example.com");
    }

    [Fact]
    public async Task Pages_name_an_icon_so_the_browser_asks_for_no_favicon()
    {
        var page = await OpenAsync();
        var missing = new List<string>();
        page.Response += (_, response) =>
        {
            if (response.Status == 404)
            {
                missing.Add(response.Url);
            }
        };

        await page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("link[rel=icon]")).ToHaveAttributeAsync("href", "data:,");
        await RequestCodeAsync(page, "icon@example.com");

        missing.Should().BeEmpty();
    }

    [Fact]
    public async Task WeCom_client_gets_the_in_client_OAuth_page_and_private_details()
    {
        var page = await OpenAsync(WxWorkUserAgent);

        await page.ClickAsync("#wecom");
        await Expect(page).ToHaveURLAsync(new Regex("/sim/wecom/connect/oauth2/authorize\\?appid=wwsampledemo0001&.*&scope=snsapi_privateinfo&.*#wechat_redirect$"));
        await Expect(page.Locator("#flow")).ToHaveTextAsync("In-client OAuth, scope snsapi_privateinfo");
        await ScreenshotAsync(page, "wecom-in-client-authorize");
        await page.ClickAsync("#member-zhangsan");
        await ExpectHomeAsync(page);

        await AssertSignedInAsync(page, "WeCom", "zhangsan", "张三", "zhangsan@example.com");
        await Expect(page.Locator("#avatar")).ToHaveAttributeAsync("src", new Regex("/sim/avatar/zs\\.svg$"));
        await ScreenshotAsync(page, "wecom-in-client");
    }

    [Fact]
    public async Task Hugging_Face_login_uses_PKCE()
    {
        var page = await OpenAsync();

        await page.ClickAsync("#huggingface");
        await Expect(page).ToHaveURLAsync(new Regex("/sim/huggingface/oauth/authorize\\?.*code_challenge=[A-Za-z0-9_-]{43}&code_challenge_method=S256"));
        await Expect(page.Locator("#scopes")).ToHaveTextAsync("Scopes: openid profile email");
        await Expect(page.Locator("#provider-banner")).ToContainTextAsync("Hugging Face (simulated)");
        await page.ClickAsync("#approve");
        await ExpectHomeAsync(page);

        await AssertSignedInAsync(page, "Hugging Face", "64f1e2d3c4b5a69788796a5b", "Ada Lovelace", "ada@example.com");
        await ScreenshotAsync(page, "huggingface");
    }

    [Fact]
    public async Task Hugging_Face_denial_is_shown_as_a_failed_sign_in()
    {
        var page = await OpenAsync();

        await page.ClickAsync("#huggingface");
        await page.ClickAsync("#deny");

        await Expect(page.Locator("#error")).ToContainTextAsync("access_denied");
        await Expect(page.Locator("#error")).ToContainTextAsync("The user denied the request");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Hugging Face sign-in failed");
        await ScreenshotAsync(page, "huggingface-denied");
    }

    [Fact]
    public async Task Email_code_sign_in_reads_the_code_from_the_simulated_inbox()
    {
        var page = await OpenAsync();
        const string address = "grace@example.com";

        await RequestCodeAsync(page, address);
        var code = await ReadCodeAsync(address, "Welcome! Your code is");
        await page.FillAsync("#code", code);
        await page.ClickAsync("#verify");
        await ExpectHomeAsync(page);

        await AssertSignedInAsync(page, "Email code (Mailgun)", "email:grace@example.com", address, address);
        await ScreenshotAsync(page, "email-code");

        await page.ClickAsync("#signout");
        await RequestCodeAsync(page, address);
        (await ReadCodeAsync(address, "Your sign-in code is")).Should().MatchRegex("^[0-9]{6}$", "a known address gets a SignIn code");
    }

    [Fact]
    public async Task Wrong_codes_are_refused_and_the_fifth_locks_the_code()
    {
        var page = await OpenAsync();
        const string address = "mallory@example.com";
        await RequestCodeAsync(page, address);
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var code = await ReadCodeAsync(address, "Welcome! Your code is");
        var wrong = ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await page.FillAsync("#code", wrong);
            await page.ClickAsync("#verify");
            await Expect(page.Locator("#error")).ToHaveTextAsync($"That code is not right. {5 - attempt} attempt{(attempt == 4 ? string.Empty : "s")} left.");
        }

        await page.FillAsync("#code", wrong);
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#error")).ToContainTextAsync("locked");

        await Expect(page).ToHaveURLAsync(new Uri(host.BaseUri, "/email/code").AbsoluteUri);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Codes locked");
        await Expect(page.Locator("#code")).ToHaveCountAsync(0); // a locked address takes no more guesses
        await Expect(page.Locator("#resend")).ToHaveCountAsync(0); // and a new code does not unlock it
        await ScreenshotAsync(page, "email-code-locked");

        // The right code posted anyway (a form kept open in another tab) is refused, not signed in.
        var form = _context!.APIRequest.CreateFormData();
        form.Set("code", code);
        form.Set("__RequestVerificationToken", token!);
        var late = await _context.APIRequest.PostAsync("/email/verify", new APIRequestContextOptions { Form = form, MaxRedirects = 0 });
        late.Status.Should().Be(302);
        late.Headers["location"].Should().Be("/email/code");
        await page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("#error")).ToContainTextAsync("locked");
        (await (await _context.APIRequest.GetAsync("/")).TextAsync()).Should().NotContain("id=\"user-id\"");
    }

    [Fact]
    public async Task A_tampered_state_is_refused()
    {
        var page = await OpenAsync();
        await page.ClickAsync("#wecom");
        var approve = await page.Locator("#member-lisi").GetAttributeAsync("href");

        await page.GotoAsync(StateParameter().Replace(approve!, "state=tamperedState123"), Committed);

        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign-in refused");
        await Expect(page.Locator("#error")).ToContainTextAsync("state does not match");
        await page.GotoAsync("/", Committed);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in to the Connectors sample");
        await Expect(page.Locator("#user-id")).ToHaveCountAsync(0);
        await ScreenshotAsync(page, "tampered-state");
    }

    [Fact]
    public async Task A_resend_right_away_is_refused_and_sends_no_mail()
    {
        var page = await OpenAsync();
        const string address = "eager@example.com";
        await RequestCodeAsync(page, address);

        await page.ClickAsync("#resend");

        await Expect(page.Locator("#error")).ToContainTextAsync("A code was sent to this address moments ago");
        await Expect(page).ToHaveURLAsync(new Uri(host.BaseUri, "/email/code").AbsoluteUri);
        await Expect(page.Locator("#cooldown")).ToContainTextAsync(new Regex(@"A new code can be sent in \d+ s\."));
        (await MailCountAsync(address)).Should().Be(1, "the refused resend sent nothing");
        await ScreenshotAsync(page, "email-resend-refused");

        // The code of the first mail still works: the form stayed, through the refusal and a refresh.
        await page.ReloadAsync(new PageReloadOptions { WaitUntil = WaitUntilState.Commit });
        await Expect(page.Locator("#note")).ToContainTextAsync(address);
        await page.FillAsync("#code", await ReadCodeAsync(address, "Welcome! Your code is"));
        await page.ClickAsync("#verify");
        await ExpectHomeAsync(page);
        await AssertSignedInAsync(page, "Email code (Mailgun)", "email:" + address, address, address);
        (await MailCountAsync(address)).Should().Be(1, "a refresh of the code page sends nothing");
    }

    [Fact]
    public async Task A_new_code_does_not_unlock_an_address_after_five_wrong_codes()
    {
        var page = await OpenAsync();
        const string address = "guesser@example.com";
        await RequestCodeAsync(page, address);
        var code = await ReadCodeAsync(address, "Welcome! Your code is");
        var wrong = ((int.Parse(code, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await page.FillAsync("#code", wrong);
            await page.ClickAsync("#verify");
            await Expect(page.Locator("#error")).ToContainTextAsync(attempt < 5 ? $"{5 - attempt} attempt" : "locked");
        }

        await Expect(page.Locator("#resend")).ToHaveCountAsync(0);

        // Asked again from the start page: a resend buys no new guesses.
        await page.GotoAsync("/", Committed);
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send-code");
        await Expect(page.Locator("#error")).ToContainTextAsync("Too many wrong codes were tried for this address");
        await Expect(page.Locator("#code")).ToHaveCountAsync(0);
        await Expect(page.Locator("#resend")).ToHaveCountAsync(0);
        (await MailCountAsync(address)).Should().Be(1);
        await ScreenshotAsync(page, "email-locked-resend");
    }

    [Fact]
    public async Task Forms_without_their_antiforgery_token_are_refused_with_400_and_sign_out_is_not_a_link()
    {
        await OpenAsync(); // the antiforgery cookie is set; the forms below lack the token
        var form = _context!.APIRequest.CreateFormData();
        form.Set("email", "csrf@example.com");

        var send = await _context.APIRequest.PostAsync("/email/send", new APIRequestContextOptions { Form = form });
        var signOut = await _context.APIRequest.PostAsync("/signout", new APIRequestContextOptions { Form = _context.APIRequest.CreateFormData() });
        var signOutByGet = await _context.APIRequest.GetAsync("/signout");

        send.Status.Should().Be(400);
        (await send.TextAsync()).Should().Contain("did not come from this site").And.NotContain("Exception");
        signOut.Status.Should().Be(400);
        signOutByGet.Status.Should().Be(405, "a link on any site must not sign a user out");
        (await MailCountAsync("csrf@example.com")).Should().Be(0);
    }

    private async Task<int> MailCountAsync(string address)
    {
        var inbox = await _context!.APIRequest.GetAsync("/sim/mailgun/inbox");
        return MailTo().Matches(await inbox.TextAsync()).Count(m => System.Net.WebUtility.HtmlDecode(m.Groups[1].Value) == address);
    }

    private static async Task RequestCodeAsync(IPage page, string address)
    {
        await page.FillAsync("#email", address);
        await page.ClickAsync("#send-code");
        await Expect(page.Locator("#note")).ToContainTextAsync(address);
        await Expect(page.Locator("#inbox")).ToHaveAttributeAsync("href", new Regex("/sim/mailgun/inbox$"));
    }

    private async Task<string> ReadCodeAsync(string address, string subjectPrefix)
    {
        var inbox = await _context!.NewPageAsync();
        await inbox.GotoAsync("/sim/mailgun/inbox", Committed);
        var mail = inbox.Locator($".mail[data-to=\"{address}\"]").First;
        await Expect(mail.Locator(".mail-subject")).ToHaveTextAsync(new Regex("^" + Regex.Escape(subjectPrefix)));
        var subject = (await mail.Locator(".mail-subject").InnerTextAsync()).Trim();
        await ScreenshotAsync(inbox, "inbox-" + address.Split('@')[0]);
        await inbox.CloseAsync();
        return CodePattern().Match(subject).Value;
    }

    [GeneratedRegex("class=\"card mail\" data-to=\"([^\"]+)\"")]
    private static partial Regex MailTo();

    [GeneratedRegex("[0-9]{6}")]
    private static partial Regex CodePattern();

    [GeneratedRegex("state=[A-Za-z0-9]+")]
    private static partial Regex StateParameter();
}
