using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.GitHub;
using Connectors.HuggingFace;
using Connectors.Mailgun;
using Connectors.SendGrid;
using Connectors.WeCom;
using Microsoft.Extensions.DependencyInjection;

namespace Connectors.Benchmarks;

/// <summary>Raw baselines: the smallest hand-written HttpClient + System.Text.Json code making the same requests and
/// reading the same fields, with no validation, resilience or logging.</summary>
public abstract class BaselineBench
{
    protected static readonly HttpClient RawClient = new(new CannedProvider()) { BaseAddress = CannedProvider.BaseAddress };

    protected ServiceProvider Services { get; } = Fixtures.Services();

    protected static async Task<JsonDocument> GetJsonAsync(string uri)
    {
        using var response = await RawClient.GetAsync(uri);
        return JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
    }

    protected static async Task<JsonDocument> SendJsonAsync(HttpRequestMessage request)
    {
        using var response = await RawClient.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
    }
}

[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class WeComSignIn : BaselineBench
{
    private ISocialConnector _connector = null!;
    private readonly SocialCallback _member = SocialCallback.FromQueryString("code=code-member&state=s");
    private readonly SocialCallback _privateInfo = SocialCallback.FromQueryString("code=code-member-ticket&state=s");
    private string _token = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _connector = Services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, Fixtures.WeComConfig);
        await _connector.GetUserInfoAsync(_member); // warm token cache
        using var token = await GetJsonAsync("cgi-bin/gettoken?corpid=ww-corp-1&corpsecret=wecom-secret-S3CR3T");
        _token = token.RootElement.GetProperty("access_token").GetString()!;
    }

    [BenchmarkCategory("member")]
    [Benchmark(Baseline = true, Description = "raw: getuserinfo + user/get")]
    public async Task<(string?, string?)> Raw_member()
    {
        using var info = await GetJsonAsync($"cgi-bin/auth/getuserinfo?access_token={_token}&code=code-member");
        var userId = info.RootElement.GetProperty("userid").GetString();
        using var user = await GetJsonAsync($"cgi-bin/user/get?access_token={_token}&userid={userId}");
        return (userId, user.RootElement.GetProperty("name").GetString());
    }

    [BenchmarkCategory("member")]
    [Benchmark(Baseline = false, Description = "connector: getuserinfo + user/get")]
    public Task<SocialUserInfo> Connector_member() => _connector.GetUserInfoAsync(_member);

    [BenchmarkCategory("privateinfo")]
    [Benchmark(Baseline = true, Description = "raw: privateinfo (4 calls' worth: getuserinfo, user/get, getuserdetail)")]
    public async Task<(string?, string?, string?)> Raw_privateinfo()
    {
        using var info = await GetJsonAsync($"cgi-bin/auth/getuserinfo?access_token={_token}&code=code-member-ticket");
        var userId = info.RootElement.GetProperty("userid").GetString();
        var ticket = info.RootElement.GetProperty("user_ticket").GetString();
        using var user = await GetJsonAsync($"cgi-bin/user/get?access_token={_token}&userid={userId}");
        using var detail = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Post, $"cgi-bin/auth/getuserdetail?access_token={_token}")
        {
            Content = new StringContent(JsonSerializer.Serialize(new Dictionary<string, string> { ["user_ticket"] = ticket! }), Encoding.UTF8, "application/json"),
        });
        return (user.RootElement.GetProperty("name").GetString(), detail.RootElement.GetProperty("email").GetString(), detail.RootElement.GetProperty("mobile").GetString());
    }

    [BenchmarkCategory("privateinfo")]
    [Benchmark(Baseline = false, Description = "connector: privateinfo")]
    public Task<SocialUserInfo> Connector_privateinfo() => _connector.GetUserInfoAsync(_privateInfo);
}

[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class HuggingFaceSignIn : BaselineBench
{
    private ISocialConnector _connector = null!;
    private SocialCallback _callback = null!;
    private readonly AuthenticationHeaderValue _basic = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("hf-client-1:hf-secret-S3CR3T")));

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _connector = Services.Create<ISocialConnector>(HuggingFaceConnectorFactory.ConnectorId, Fixtures.HuggingFaceConfig);
        var redirect = await _connector.GetAuthorizationUriAsync(new AuthorizationRequest("state1", new Uri("https://id.example.com/cb")));
        _callback = SocialCallback.FromQueryString("code=hf-code-GOOD&state=state1", redirect.Session);
    }

    [BenchmarkCategory("default")]
    [Benchmark(Baseline = true, Description = "raw: token + userinfo")]
    public async Task<(string?, string?)> Raw()
    {
        using var token = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Post, "oauth/token")
        {
            Headers = { Authorization = _basic },
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "authorization_code"), new("code", "hf-code-GOOD"),
                new("redirect_uri", "https://id.example.com/cb"), new("code_verifier", "verifier-verifier-verifier-verifier-verifie"),
            ]),
        });
        var access = token.RootElement.GetProperty("access_token").GetString();
        using var profile = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, "oauth/userinfo") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", access) } });
        return (profile.RootElement.GetProperty("sub").GetString(), profile.RootElement.GetProperty("name").GetString());
    }

    [BenchmarkCategory("default")]
    [Benchmark(Baseline = false, Description = "connector: token + userinfo")]
    public Task<SocialUserInfo> Connector() => _connector.GetUserInfoAsync(_callback);
}

[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MailgunSend : BaselineBench
{
    private IEmailConnector _html = null!;
    private IEmailConnector _template = null!;
    private readonly EmailMessage _message = new("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "483920", Locale = "en" });
    private readonly AuthenticationHeaderValue _basic = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("api:mailgun-key-S3CR3T")));

    [GlobalSetup]
    public void Setup()
    {
        _html = Services.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Fixtures.MailgunConfig(Fixtures.HtmlDeliveries));
        _template = Services.Create<IEmailConnector>(MailgunConnectorFactory.ConnectorId, Fixtures.MailgunConfig(Fixtures.TemplateDeliveries));
    }

    private async Task<string?> PostAsync(List<KeyValuePair<string, string>> fields)
    {
        using var result = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Post, "v3/example.com/messages")
        {
            Headers = { Authorization = _basic },
            Content = new FormUrlEncodedContent(fields),
        });
        return result.RootElement.GetProperty("id").GetString();
    }

    [BenchmarkCategory("html")]
    [Benchmark(Baseline = true, Description = "raw: html with {{code}}")]
    public Task<string?> Raw_html() => PostAsync(
    [
        new("from", "Example <noreply@example.com>"), new("to", "ada@example.com"),
        new("subject", "Your code is {{code}}".Replace("{{code}}", "483920", StringComparison.Ordinal)),
        new("html", "<p>Your sign-in code is <b>{{code}}</b>. It expires in 10 minutes.</p>".Replace("{{code}}", "483920", StringComparison.Ordinal)),
    ]);

    [BenchmarkCategory("html")]
    [Benchmark(Baseline = false, Description = "connector: html with {{code}}")]
    public Task<EmailSendResult> Connector_html() => _html.SendAsync(_message);

    [BenchmarkCategory("template")]
    [Benchmark(Baseline = true, Description = "raw: stored template + variables")]
    public Task<string?> Raw_template() => PostAsync(
    [
        new("from", "Example <noreply@example.com>"), new("to", "ada@example.com"),
        new("subject", "Your code is {{code}}".Replace("{{code}}", "483920", StringComparison.Ordinal)),
        new("template", "verification"),
        new("h:X-Mailgun-Variables", JsonSerializer.Serialize(new Dictionary<string, string> { ["brand"] = "Example", ["code"] = "483920", ["locale"] = "en" })),
    ]);

    [BenchmarkCategory("template")]
    [Benchmark(Baseline = false, Description = "connector: stored template + variables")]
    public Task<EmailSendResult> Connector_template() => _template.SendAsync(_message);
}

[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class GitHubSignIn : BaselineBench
{
    private ISocialConnector _connector = null!;
    private SocialCallback _callback = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _connector = Services.Create<ISocialConnector>(GitHubConnectorFactory.ConnectorId, Fixtures.GitHubConfig);
        var redirect = await _connector.GetAuthorizationUriAsync(new AuthorizationRequest("state1", new Uri("https://id.example.com/cb")));
        _callback = SocialCallback.FromQueryString("code=gh-code-GOOD&state=state1", redirect.Session);
    }

    [BenchmarkCategory("default")]
    [Benchmark(Baseline = true, Description = "raw: token + user + user/emails")]
    public async Task<(string?, string?)> Raw()
    {
        using var token = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Post, "login/oauth/access_token")
        {
            Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") } },
            Content = new FormUrlEncodedContent(
            [
                new("grant_type", "authorization_code"), new("code", "gh-code-GOOD"), new("redirect_uri", "https://id.example.com/cb"),
                new("code_verifier", "verifier-verifier-verifier-verifier-verifie"), new("client_id", "gh-client-1"), new("client_secret", "gh-secret-S3CR3T"),
            ]),
        });
        var bearer = new AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
        using var user = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, "api/v3/user") { Headers = { Authorization = bearer } });
        using var emails = await SendJsonAsync(new HttpRequestMessage(HttpMethod.Get, "api/v3/user/emails") { Headers = { Authorization = bearer } });
        var primary = emails.RootElement.EnumerateArray().First(e => e.GetProperty("primary").GetBoolean()).GetProperty("email").GetString();
        return (user.RootElement.GetProperty("id").GetRawText(), primary);
    }

    [BenchmarkCategory("default")]
    [Benchmark(Baseline = false, Description = "connector: token + user + user/emails")]
    public Task<SocialUserInfo> Connector() => _connector.GetUserInfoAsync(_callback);
}

[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SendGridSend : BaselineBench
{
    private IEmailConnector _connector = null!;
    private readonly EmailMessage _message = new("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "483920", Locale = "en" });
    private readonly AuthenticationHeaderValue _bearer = new("Bearer", "SG.sendgrid-key-S3CR3T");

    [GlobalSetup]
    public void Setup() => _connector = Services.Create<IEmailConnector>(SendGridConnectorFactory.ConnectorId, Fixtures.SendGridConfig);

    [BenchmarkCategory("html")]
    [Benchmark(Baseline = true, Description = "raw: html with {{code}}")]
    public async Task<string?> Raw()
    {
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["personalizations"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["to"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["email"] = "ada@example.com" }) }),
            ["from"] = new System.Text.Json.Nodes.JsonObject { ["email"] = "noreply@example.com", ["name"] = "Example" },
            ["subject"] = "Your code is {{code}}".Replace("{{code}}", "483920", StringComparison.Ordinal),
            ["content"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["type"] = "text/html", ["value"] = "<p>Your sign-in code is <b>{{code}}</b>. It expires in 10 minutes.</p>".Replace("{{code}}", "483920", StringComparison.Ordinal) }),
        };
        using var response = await RawClient.SendAsync(new HttpRequestMessage(HttpMethod.Post, "v3/mail/send")
        {
            Headers = { Authorization = _bearer },
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        });
        return response.Headers.TryGetValues("X-Message-Id", out var id) ? id.First() : null;
    }

    [BenchmarkCategory("html")]
    [Benchmark(Baseline = false, Description = "connector: html with {{code}}")]
    public Task<EmailSendResult> Connector() => _connector.SendAsync(_message);
}

[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AuthorizationUrl : BaselineBench
{
    private ISocialConnector _weCom = null!;
    private ISocialConnector _huggingFace = null!;
    private readonly AuthorizationRequest _request = new("abc123", new Uri("https://id.example.com/callback/wecom"));

    [GlobalSetup]
    public void Setup()
    {
        _weCom = Services.Create<ISocialConnector>(WeComConnectorFactory.ConnectorId, Fixtures.WeComConfig);
        _huggingFace = Services.Create<ISocialConnector>(HuggingFaceConnectorFactory.ConnectorId, Fixtures.HuggingFaceConfig);
    }

    [BenchmarkCategory("wecom")]
    [Benchmark(Baseline = true, Description = "raw: WeCom web login URL")]
    public Uri Raw_wecom() => new($"https://login.work.weixin.qq.com/wwlogin/sso/login?login_type=CorpApp&appid=ww-corp-1&agentid=1000002&redirect_uri={Uri.EscapeDataString(_request.RedirectUri.AbsoluteUri)}&state={_request.State}");

    [BenchmarkCategory("wecom")]
    [Benchmark(Baseline = false, Description = "connector: WeCom web login URL")]
    public ValueTask<AuthorizationRedirect> Connector_wecom() => _weCom.GetAuthorizationUriAsync(_request);

    [BenchmarkCategory("huggingface")]
    [Benchmark(Baseline = true, Description = "raw: Hugging Face URL with PKCE and nonce")]
    public (Uri, string, string) Raw_huggingface()
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var uri = new Uri($"https://huggingface.co/oauth/authorize?response_type=code&client_id=hf-client-1&scope={Uri.EscapeDataString("openid profile email")}&redirect_uri={Uri.EscapeDataString(_request.RedirectUri.AbsoluteUri)}&state={_request.State}&code_challenge={challenge}&code_challenge_method=S256&nonce={nonce}");
        return (uri, verifier, nonce);
    }

    [BenchmarkCategory("huggingface")]
    [Benchmark(Baseline = false, Description = "connector: Hugging Face URL with PKCE and nonce")]
    public ValueTask<AuthorizationRedirect> Connector_huggingface() => _huggingFace.GetAuthorizationUriAsync(_request);
}

[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CreateFromConfig : BaselineBench
{
    private JsonDocument _weCom = null!;
    private JsonDocument _mailgun = null!;
    private IConnectorRegistry _registry = null!;

    [GlobalSetup]
    public void Setup()
    {
        _weCom = JsonDocument.Parse(Fixtures.WeComConfig);
        _mailgun = JsonDocument.Parse(Fixtures.MailgunConfig(Fixtures.HtmlDeliveries));
        _registry = Services.GetRequiredService<IConnectorRegistry>();
    }

    [BenchmarkCategory("wecom")]
    [Benchmark(Baseline = true, Description = "raw: read WeCom config fields")]
    public (string?, string?, string?) Raw_wecom()
    {
        var root = _weCom.RootElement;
        return (root.GetProperty("corpId").GetString(), root.GetProperty("agentId").GetString(), root.GetProperty("secret").GetString());
    }

    [BenchmarkCategory("wecom")]
    [Benchmark(Baseline = false, Description = "connector: WeCom from JSON")]
    public IConnector Connector_wecom() => _registry.Create(WeComConnectorFactory.ConnectorId, _weCom.RootElement);

    [BenchmarkCategory("mailgun")]
    [Benchmark(Baseline = true, Description = "raw: read Mailgun config fields")]
    public (string?, string?, string?, string?) Raw_mailgun()
    {
        var root = _mailgun.RootElement;
        var signIn = root.GetProperty("deliveries").GetProperty("SignIn");
        return (root.GetProperty("domain").GetString(), root.GetProperty("apiKey").GetString(), signIn.GetProperty("subject").GetString(), signIn.GetProperty("html").GetString());
    }

    [BenchmarkCategory("mailgun")]
    [Benchmark(Baseline = false, Description = "connector: Mailgun from JSON (parses its templates)")]
    public IConnector Connector_mailgun() => _registry.Create(MailgunConnectorFactory.ConnectorId, _mailgun.RootElement);
}

/// <summary>The shared HTTP layer alone (resilience, size cap, parsing, metrics, logging) against a raw GET.</summary>
[MemoryDiagnoser]
public class SharedHttpLayer : BaselineBench
{
    private ProviderHttpClient _client = null!;
    private ProviderHttpClient _noRetry = null!;
    private readonly Uri _uri = new(CannedProvider.BaseAddress, "oauth/userinfo");

    [GlobalSetup]
    public void Setup()
    {
        var factory = Services.GetRequiredService<IHttpClientFactory>();
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _client = new ProviderHttpClient("Bench", factory, HuggingFaceConnectorFactory.HttpClientName, new ConnectorHttpOptions(), logger);
        _noRetry = new ProviderHttpClient("Bench", factory, HuggingFaceConnectorFactory.HttpClientName, new ConnectorHttpOptions { MaxRetryAttempts = 0 }, logger);
    }

    [Benchmark(Baseline = true, Description = "raw: one GET + JSON parse")]
    public async Task<string?> Raw_get()
    {
        using var document = await GetJsonAsync("oauth/userinfo");
        return document.RootElement.GetProperty("sub").GetString();
    }

    [Benchmark(Description = "ProviderHttpClient: one safe GET (timeout + retry)")]
    public async Task<string?> Shared_get() => (await _client.SendJsonAsync(new ProviderRequest("userinfo", HttpMethod.Get, _uri, RequestSafety.Safe))).GetProperty("sub").GetString();

    [Benchmark(Description = "ProviderHttpClient: one GET without the retry strategy")]
    public async Task<string?> Shared_get_no_retry() => (await _noRetry.SendJsonAsync(new ProviderRequest("userinfo", HttpMethod.Get, _uri, RequestSafety.Safe))).GetProperty("sub").GetString();
}

/// <summary>WeCom's RawData merge alone (getuserinfo + user/get + getuserdetail bodies of the contracts).</summary>
[MemoryDiagnoser]
public class WeComRawDataMerge
{
    private JsonElement _identity;
    private JsonElement _member;
    private JsonElement _detail;

    [GlobalSetup]
    public void Setup()
    {
        var contracts = typeof(CannedProvider).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "ContractsDirectory").Value!;
        JsonElement Body(string file, int index) =>
            JsonDocument.Parse(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(contracts, file)))!["mappings"]![index]!["response"]!["jsonBody"]!.ToJsonString()).RootElement;
        _identity = Body("wecom/getuserinfo.json", 0);
        _member = Body("wecom/user-get.json", 0);
        _detail = Body("wecom/getuserdetail.json", 0);
    }

    [Benchmark(Description = "merge getuserinfo + user/get")]
    public JsonElement Member() => WeComUserMapper.Merge(_identity, _member, null);

    [Benchmark(Description = "merge getuserinfo + user/get + getuserdetail")]
    public JsonElement PrivateInfo() => WeComUserMapper.Merge(_identity, _member, _detail);

    [Benchmark(Description = "parse the user/get body (reference)")]
    public JsonElement ParseMember()
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(_member.GetRawText()));
        return JsonElement.ParseValue(ref reader);
    }
}

/// <summary>Mailgun's templating alone: the template data from a payload and the rendering of a subject and an html
/// body, against <c>string.Replace</c> (attribution of the send rows).</summary>
[MemoryDiagnoser]
public class EmailTemplating
{
    private static readonly EmailPayload Payload = new() { Code = "483920", Locale = "en" };
    private static readonly MessageTemplate Subject = MessageTemplate.Parse("Your code is {{code}}");
    private static readonly MessageTemplate Html = MessageTemplate.Parse("<p>Your sign-in code is <b>{{code}}</b>. It expires in 10 minutes.</p>");
    private static readonly JsonElement Data = EmailTemplateData.Create(Payload);

    [Benchmark(Baseline = true, Description = "raw: string.Replace subject + html")]
    public int Raw() =>
        "Your code is {{code}}".Replace("{{code}}", "483920", StringComparison.Ordinal).Length
        + "<p>Your sign-in code is <b>{{code}}</b>. It expires in 10 minutes.</p>".Replace("{{code}}", "483920", StringComparison.Ordinal).Length;

    [Benchmark(Description = "EmailTemplateData.Create (code + locale)")]
    public JsonElement Data_create() => EmailTemplateData.Create(Payload);

    [Benchmark(Description = "render subject + html from prepared data")]
    public int Render() => Subject.Render(Data, TemplateEscaping.None).Length + Html.Render(Data, TemplateEscaping.Html).Length;
}
