// The AOT/trim consumer: registers every connector as a host would, signs in with WeCom, Hugging Face (OIDC: the ID
// token is signed here and checked against the fake JWKS), GitHub and a generic oauth2 provider, sends and verifies an
// email code through Mailgun (in memory, and on a redis-server it starts), sends through SendGrid and through SMTP (a
// minimal SMTP server on loopback, port 0), and signs in through a WeCom authentication scheme on Kestrel (loopback,
// port 0), all against FakeProviders (no network). Prints one line per step; exit code 0 = all ok.
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var fake = new FakeProviders();
var services = new ServiceCollection();
services.AddConnectors().AddWeCom().AddHuggingFace().AddGitHub().AddMailgun().AddSendGrid().AddSmtp(o => o.AllowedHosts.Add("127.0.0.1")).AddOAuth2().AddVerificationCodes();
services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => new FakeProviderHandler(fake)));
await using var provider = services.BuildServiceProvider();
var registry = provider.GetRequiredService<IConnectorRegistry>();
var failures = 0;
const string WeComConfig = """{ "corpId": "ww-aot", "agentId": "1000002", "secret": "aot-secret", "scope": "snsapi_privateinfo" }""";

await Step("wecom sign-in", async () =>
{
    var user = await SignInAsync("wecom-universal", WeComConfig);
    return user is { Id: "zhangsan", Email: "zhangsan@example.com", Phone: "+8613800000000" };
});
await Step("huggingface sign-in (ID token checked)", async () =>
{
    var user = await SignInAsync("huggingface-universal", """{ "clientId": "hf-aot", "clientSecret": "hf-secret", "scope": "openid profile email" }""");
    return user is { Id: "64f1e2d3c4b5a69788796a5b", Name: "Ada Lovelace", Email: "ada@example.com" } && user.Tokens?.IdToken is not null;
});
await Step("oauth2 sign-in", async () =>
{
    var user = await SignInAsync("oauth2", """
        { "authorizationEndpoint": "https://auth.example.com/authorize", "tokenEndpoint": "https://auth.example.com/token",
          "userInfoEndpoint": "https://auth.example.com/userinfo", "clientId": "o2-aot", "clientSecret": "o2-secret",
          "scope": "profile", "profileMap": { "id": "uid", "name": "display_name", "email": "mail" } }
        """);
    return user is { Id: "u-42", Name: "Grace", Email: "grace@example.com" };
});
await Step("github sign-in (primary verified address)", async () =>
{
    var user = await SignInAsync("github-universal", """{ "clientId": "gh-aot", "clientSecret": "gh-secret" }""");
    return user is { Id: "583231", Name: "The Octocat", Email: "octocat@example.com", EmailVerified: true };
});
await Step("sendgrid send", async () =>
{
    using var config = JsonDocument.Parse("""
        { "apiKey": "SG.aot", "fromEmail": "noreply@example.com",
          "templates": [ { "usageType": "Generic", "type": "text/html", "subject": "Code {{code}}", "content": "<p>{{code}}</p>" } ] }
        """);
    var sent = await registry.Create<IEmailConnector>("sendgrid-email-service", config.RootElement).SendAsync(new EmailMessage("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "123456" }));
    return sent.MessageId == "aot-sendgrid-1" && fake.LastSendGridBody?.Contains("123456", StringComparison.Ordinal) == true;
});
await Step("smtp send (a minimal SMTP server on loopback)", async () =>
{
    using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var server = FakeSmtp.ServeOneAsync(listener);
    using var config = JsonDocument.Parse($$$"""
        { "host": "127.0.0.1", "port": {{{((IPEndPoint)listener.LocalEndpoint).Port}}}, "ignoreTLS": true, "auth": { "user": "u", "pass": "p" }, "fromEmail": "noreply@example.com",
          "templates": [ { "usageType": "Generic", "contentType": "text/plain", "subject": "Code", "content": "{{code}}" } ] }
        """);
    var sent = await registry.Create<IEmailConnector>("smtp", config.RootElement).SendAsync(new EmailMessage("ada@example.com", UsageType.SignIn, new EmailPayload { Code = "654321" }));
    var data = await server;
    return sent.MessageId is not null && data.Contains("654321", StringComparison.Ordinal) && data.Contains("Subject: Code", StringComparison.Ordinal);
});
await Step("mailgun code sent and verified", async () =>
{
    using var config = JsonDocument.Parse("""
        { "domain": "mg.example.com", "apiKey": "key-aot", "from": "Example <noreply@mg.example.com>",
          "deliveries": { "SignIn": { "subject": "Your code is {{code}}", "html": "<p>Your code: <b>{{code}}</b></p>" } } }
        """);
    var mailgun = registry.Create<IEmailConnector>("mailgun-email", config.RootElement);
    var codes = provider.GetRequiredService<VerificationCodeService>();
    var sent = await codes.SendAsync(mailgun, "ada@example.com", UsageType.SignIn);
    var code = fake.LastMailgunSubject?.Split(' ')[^1] ?? string.Empty;
    var check = await codes.VerifyAsync("ada@example.com", UsageType.SignIn, code);
    return sent.MessageId == "<aot@mg.example.com>" && check.Result == VerificationResult.Verified;
});
await Step("mailgun code on Redis: wrong, then right (a redis-server of this step)", async () =>
{
    var directory = Directory.CreateTempSubdirectory("aot-redis-");
    var socket = Path.Combine(directory.FullName, "redis.sock");
    using var redis = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("redis-server", ["--port", "0", "--unixsocket", socket, "--save", "", "--appendonly", "no", "--dir", directory.FullName]) { RedirectStandardOutput = true })!;
    try
    {
        while (redis.StandardOutput.ReadLine() is { } line && !line.Contains("eady to accept connections", StringComparison.Ordinal))
        {
        }

        var shared = new ServiceCollection();
        shared.AddConnectors().UseRedis("!" + socket).AddMailgun().AddVerificationCodes(o => o.HashKey = new byte[32]);
        shared.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => new FakeProviderHandler(fake)));
        await using var instance = shared.BuildServiceProvider();
        using var config = JsonDocument.Parse("""
            { "domain": "mg.example.com", "apiKey": "key-aot", "from": "Example <noreply@mg.example.com>",
              "deliveries": { "SignIn": { "subject": "Your code is {{code}}", "html": "<p>Your code: <b>{{code}}</b></p>" } } }
            """);
        var mailgun = instance.GetRequiredService<IConnectorRegistry>().Create<IEmailConnector>("mailgun-email", config.RootElement);
        var codes = instance.GetRequiredService<VerificationCodeService>();
        await codes.SendAsync(mailgun, "ada@example.com", UsageType.SignIn);
        var code = fake.LastMailgunSubject?.Split(' ')[^1] ?? string.Empty;
        var wrong = await codes.VerifyAsync("ada@example.com", UsageType.SignIn, code == "000000" ? "000001" : "000000");
        var right = await codes.VerifyAsync("ada@example.com", UsageType.SignIn, code);
        return wrong is { Result: VerificationResult.Wrong, AttemptsLeft: 4 } && right.Result == VerificationResult.Verified;
    }
    finally
    {
        redis.Kill();
        redis.WaitForExit();
        directory.Delete(recursive: true);
    }
});
await Step("typed error for a wrong config", () =>
{
    using var config = JsonDocument.Parse("""{ "corpId": "", "agentId": "1000002" }""");
    try
    {
        registry.Create<ISocialConnector>("wecom-universal", config.RootElement);
        return Task.FromResult(false);
    }
    catch (ConnectorException e)
    {
        return Task.FromResult(e.Code == ConnectorErrorCode.InvalidConfig && e.Message.Contains("corpId", StringComparison.Ordinal));
    }
});
await Step("wecom authentication scheme on Kestrel, and its health check", async () =>
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.WebHost.UseUrls("http://127.0.0.1:0");
    builder.Logging.ClearProviders();
    builder.Services.AddConnectors().AddWeCom();
    builder.Services.ConfigureHttpClientDefaults(http => http.ConfigurePrimaryHttpMessageHandler(() => new FakeProviderHandler(fake)));
    using var config = JsonDocument.Parse(WeComConfig);
    builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
        .AddCookie()
        .AddConnector("wecom", "WeCom", o =>
        {
            o.ConnectorId = "wecom-universal";
            o.Config = config.RootElement.Clone();
        });
    builder.Services.AddHealthChecks().AddConnector("wecom", o => o.Scheme = "wecom");
    await using var app = builder.Build();
    app.UseAuthentication();
    app.Run(context => context.Request.Path.Value switch
    {
        "/login" => context.ChallengeAsync("wecom", new AuthenticationProperties { RedirectUri = "/me" }),
        "/me" when context.User.Identity?.IsAuthenticated == true => context.Response.WriteAsync(context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value ?? "-"),
        _ => Task.FromResult(context.Response.StatusCode = 401),
    });
    await app.StartAsync();
    try
    {
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = address };
        using var challenge = await browser.GetAsync("/login");
        var authorize = challenge.Headers.Location!;
        var state = authorize.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).First(p => p[0] == "state")[1];
        using var callback = await browser.GetAsync($"/signin-wecom?code=aot-code&state={state}");
        var me = await browser.GetStringAsync(callback.Headers.Location!);
        var health = await app.Services.GetRequiredService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>().CheckHealthAsync();
        return authorize.Host == "login.work.weixin.qq.com" && me == config.RootElement.GetProperty("corpId").GetString() + "|zhangsan" // the tenant-qualified key
            && health.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy;
    }
    finally
    {
        await app.StopAsync();
    }
});

Console.WriteLine(failures == 0 ? "AOT consumer: all steps ok" : $"AOT consumer: {failures} step(s) failed");
return failures == 0 ? 0 : 1;

async Task<SocialUserInfo> SignInAsync(string connectorId, string configJson)
{
    using var config = JsonDocument.Parse(configJson);
    var connector = registry.Create<ISocialConnector>(connectorId, config.RootElement);
    var redirect = await connector.GetAuthorizationUriAsync(new AuthorizationRequest("aotState1", new Uri("https://id.example.com/callback")));
    fake.Nonce = redirect.Session.TryGetValue(SessionKeys.Nonce, out var nonce) ? nonce : null;
    return await connector.GetUserInfoAsync(SocialCallback.FromQueryString("?code=aot-code&state=aotState1", redirect.Session));
}

async Task Step(string name, Func<Task<bool>> step)
{
    bool ok;
    try
    {
        ok = await step();
    }
    catch (Exception e)
    {
        Console.WriteLine($"  {name}: {e.GetType().Name}: {e.Message}");
        ok = false;
    }

    failures += ok ? 0 : 1;
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {name}");
}

/// <summary>What the fake providers remember between requests.</summary>
internal sealed class FakeProviders
{
    public RSA SigningKey { get; } = RSA.Create(2048);

    public string? Nonce { get; set; }

    public string? LastMailgunSubject { get; set; }

    public string? LastSendGridBody { get; set; }
}

/// <summary>Just enough of an SMTP server for one message (AUTH, MAIL, RCPT, DATA, QUIT); returns what DATA carried.</summary>
internal static class FakeSmtp
{
    public static async Task<string> ServeOneAsync(System.Net.Sockets.TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { AutoFlush = true, NewLine = "\r\n" };
        await writer.WriteLineAsync("220 aot.test ESMTP");
        var data = new StringBuilder();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ')[0].ToUpperInvariant();
            if (verb == "DATA")
            {
                await writer.WriteLineAsync("354 go ahead");
                while (await reader.ReadLineAsync() is { } body && body != ".")
                {
                    data.AppendLine(body);
                }

                await writer.WriteLineAsync("250 2.0.0 queued");
                continue;
            }

            await writer.WriteLineAsync(verb switch
            {
                "EHLO" => "250-aot.test\r\n250 AUTH PLAIN LOGIN",
                "AUTH" => "235 2.7.0 ok",
                "QUIT" => "221 bye",
                _ => "250 ok",
            });
            if (verb == "QUIT")
            {
                break;
            }
        }

        return data.ToString();
    }
}

/// <summary>WeCom, Hugging Face, a generic OAuth 2.0 provider and Mailgun, answered in process by host and path.</summary>
internal sealed class FakeProviderHandler(FakeProviders state) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var form = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        return (uri.Host, uri.AbsolutePath) switch
        {
            ("qyapi.weixin.qq.com", "/cgi-bin/gettoken") => Json("""{"errcode":0,"errmsg":"ok","access_token":"wecom-token","expires_in":7200}"""),
            ("qyapi.weixin.qq.com", "/cgi-bin/auth/getuserinfo") => Json("""{"errcode":0,"errmsg":"ok","userid":"zhangsan","user_ticket":"ticket-1"}"""),
            ("qyapi.weixin.qq.com", "/cgi-bin/user/get") => Json("""{"errcode":0,"errmsg":"ok","userid":"zhangsan","name":"张三"}"""),
            ("qyapi.weixin.qq.com", "/cgi-bin/auth/getuserdetail") => Json("""{"errcode":0,"errmsg":"ok","userid":"zhangsan","email":"zhangsan@example.com","mobile":"13800000000"}"""),
            ("huggingface.co", "/oauth/token") => Json($$"""{"access_token":"hf_oauth_1","token_type":"bearer","expires_in":28800,"id_token":"{{IdToken()}}"}"""),
            ("huggingface.co", "/oauth/jwks") => Json(Jwks()),
            ("huggingface.co", "/oauth/userinfo") => Json("""{"sub":"64f1e2d3c4b5a69788796a5b","name":"Ada Lovelace","preferred_username":"ada","email":"ada@example.com"}"""),
            ("auth.example.com", "/token") => Json("""{"access_token":"o2-token","token_type":"Bearer","expires_in":3600}"""),
            ("auth.example.com", "/userinfo") => Json("""{"uid":"u-42","display_name":"Grace","mail":"grace@example.com"}"""),
            ("api.mailgun.net", "/v3/mg.example.com/messages") => Mailgun(form),
            ("github.com", "/login/oauth/access_token") => Json("""{"access_token":"gho_aot","token_type":"bearer","scope":"read:user,user:email"}"""),
            ("api.github.com", "/user") => Json("""{"login":"octocat","id":583231,"name":"The Octocat","email":null}"""),
            ("api.github.com", "/user/emails") => Json("""[{"email":"octocat@example.com","primary":true,"verified":true}]"""),
            ("api.sendgrid.com", "/v3/mail/send") => SendGrid(form),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        };
    }

    private HttpResponseMessage Mailgun(string form)
    {
        var subject = form.Split('&').Select(p => p.Split('=', 2)).FirstOrDefault(p => p[0] == "subject");
        state.LastMailgunSubject = subject is null ? null : WebUtility.UrlDecode(subject[1]);
        return Json("""{"id":"<aot@mg.example.com>","message":"Queued. Thank you."}""");
    }

    private HttpResponseMessage SendGrid(string body)
    {
        state.LastSendGridBody = body;
        return new HttpResponseMessage(HttpStatusCode.Accepted) { Headers = { { "X-Message-Id", "aot-sendgrid-1" } } };
    }

    private string IdToken()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = """{"alg":"RS256","typ":"JWT","kid":"aot-1"}""";
        var payload = $$"""{"iss":"https://huggingface.co","aud":"hf-aot","sub":"64f1e2d3c4b5a69788796a5b","nonce":"{{state.Nonce}}","iat":{{now}},"exp":{{now + 3600}}}""";
        var input = $"{Base64Url(Encoding.UTF8.GetBytes(header))}.{Base64Url(Encoding.UTF8.GetBytes(payload))}";
        var signature = state.SigningKey.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{input}.{Base64Url(signature)}";
    }

    private string Jwks()
    {
        var key = state.SigningKey.ExportParameters(includePrivateParameters: false);
        return $$"""{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"aot-1","n":"{{Base64Url(key.Modulus!)}}","e":"{{Base64Url(key.Exponent!)}}"}]}""";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static HttpResponseMessage Json(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
