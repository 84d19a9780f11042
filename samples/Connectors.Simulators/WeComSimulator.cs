using System.Text.Json;
using static Connectors.Simulators.Html;

namespace Connectors.Simulators;

/// <summary>
/// A simulated WeCom: the web login page, the in-client OAuth page, and the server API (gettoken,
/// auth/getuserinfo, user/get, auth/getuserdetail) with the request and response shapes of tests/contracts/wecom.
/// Errors come as HTTP 200 with an errcode, as WeCom does.
/// </summary>
internal static class WeComSimulator
{
    private const string WeComBlue = "#0082ef";
    private const string Prefix = "/sim/wecom";

    private sealed record Member(string UserId, string Name, string Mobile, string Email, string Avatar);

    private static readonly Member[] Members =
    [
        new("zhangsan", "张三", "13800000000", "zhangsan@example.com", "/sim/avatar/zs.svg"),
        new("lisi", "李四", "13900000000", "lisi@example.com", "/sim/avatar/ls.svg"),
    ];

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Prefix + "/wwlogin/sso/login", (HttpContext context, SimulatorState state) => LoginPage(context, state, inClient: false));
        app.MapGet(Prefix + "/connect/oauth2/authorize", (HttpContext context, SimulatorState state) => LoginPage(context, state, inClient: true));
        app.MapGet(Prefix + "/approve", Approve);
        app.MapGet(Prefix + "/cgi-bin/gettoken", GetToken);
        app.MapGet(Prefix + "/cgi-bin/auth/getuserinfo", GetUserInfo);
        app.MapGet(Prefix + "/cgi-bin/user/get", GetUser);
        app.MapPost(Prefix + "/cgi-bin/auth/getuserdetail", GetUserDetailAsync);
        app.MapGet("/sim/avatar/{name}.svg", (string name) => Results.Content(
            $"""<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#2f6feb"/><text x="32" y="40" font-size="24" text-anchor="middle" fill="#fff">{E(name.ToUpperInvariant())}</text></svg>""",
            "image/svg+xml"));
    }

    private static IConfigurationSection Config(SimulatorState state) => state.Configuration.GetSection("WeCom");

    private static IResult LoginPage(HttpContext context, SimulatorState state, bool inClient)
    {
        var q = context.Request.Query;
        var config = Config(state);
        var problems = new List<string>();
        if (q["appid"] != config["corpId"])
        {
            problems.Add("appid is not this corp's CorpID");
        }

        if (q["agentid"] != config["agentId"])
        {
            problems.Add("agentid is not this app's AgentId");
        }

        if (inClient ? q["response_type"] != "code" : q["login_type"] != "CorpApp")
        {
            problems.Add(inClient ? "response_type must be code" : "login_type must be CorpApp");
        }

        if (string.IsNullOrEmpty(q["redirect_uri"]) || string.IsNullOrEmpty(q["state"]))
        {
            problems.Add("redirect_uri and state are required");
        }

        if (problems.Count > 0)
        {
            return ProviderPage("WeCom", WeComBlue, "WeCom error", $"""<h1>WeCom</h1><p class="error" id="error">{E(string.Join("; ", problems))}</p>""", 400);
        }

        var scope = inClient ? q["scope"].ToString() : null;
        var links = string.Join("<br>", Members.Select(m =>
            $"""<a class="button primary" id="member-{m.UserId}" href="{Prefix}/approve?member={m.UserId}&scope={Uri.EscapeDataString(scope ?? string.Empty)}&redirect_uri={Uri.EscapeDataString(q["redirect_uri"]!)}&state={Uri.EscapeDataString(q["state"]!)}">Sign in as {E(m.Name)} ({m.UserId})</a>"""));
        return ProviderPage("WeCom", WeComBlue, "WeCom login (simulated)", $"""
            <h1>{(inClient ? "WeCom client: authorize" : "WeCom web login")} (simulated)</h1>
            <p class="note" id="flow">{(inClient ? $"In-client OAuth, scope {E(scope)}" : "Browser login (CorpApp)")}</p>
            <div class="card">{links}</div>
            """);
    }

    private static IResult Approve(HttpContext context, SimulatorState state)
    {
        var q = context.Request.Query;
        var member = Members.FirstOrDefault(m => m.UserId == q["member"]);
        if (member is null)
        {
            return Results.BadRequest();
        }

        var code = SimulatorState.NewValue("wc");
        state.Codes[code] = new IssuedCode(member.UserId, q["scope"], q["redirect_uri"]!, null, null, null, DateTimeOffset.UtcNow.AddMinutes(5));
        var redirect = q["redirect_uri"].ToString();
        return Results.Redirect($"{redirect}{(redirect.Contains('?', StringComparison.Ordinal) ? '&' : '?')}code={code}&state={Uri.EscapeDataString(q["state"]!)}");
    }

    private static IResult GetToken(HttpContext context, SimulatorState state)
    {
        var config = Config(state);
        if (context.Request.Query["corpid"] != config["corpId"])
        {
            return Error(40013, "invalid corpid");
        }

        if (context.Request.Query["corpsecret"] != (config["secret"] ?? config["appSecret"]))
        {
            return Error(40001, "invalid credential, hint: [sim], from ip: 127.0.0.1, more info at https://open.work.weixin.qq.com/devtool/query?e=40001");
        }

        var token = SimulatorState.NewValue("wctoken");
        state.Tokens[token] = new IssuedToken(null, null);
        return Results.Json(new { errcode = 0, errmsg = "ok", access_token = token, expires_in = 7200 });
    }

    private static IResult GetUserInfo(HttpContext context, SimulatorState state)
    {
        if (!ValidToken(context, state))
        {
            return Error(40014, "invalid access_token");
        }

        if (!state.Codes.TryRemove(context.Request.Query["code"].ToString(), out var code) || code.ExpiresAt < DateTimeOffset.UtcNow)
        {
            return Error(40029, "invalid code");
        }

        if (code.Scope == "snsapi_privateinfo")
        {
            var ticket = SimulatorState.NewValue("ticket");
            state.Tickets[ticket] = code.User;
            return Results.Json(new { errcode = 0, errmsg = "ok", userid = code.User, user_ticket = ticket });
        }

        return Results.Json(new { errcode = 0, errmsg = "ok", userid = code.User });
    }

    private static IResult GetUser(HttpContext context, SimulatorState state)
    {
        if (!ValidToken(context, state))
        {
            return Error(40014, "invalid access_token");
        }

        var member = Members.FirstOrDefault(m => m.UserId == context.Request.Query["userid"]);
        return member is null
            ? Error(60111, "userid not found")
            : Results.Json(new { errcode = 0, errmsg = "ok", userid = member.UserId, name = member.Name, department = new[] { 1 }, main_department = 1, status = 1 });
    }

    private static async Task<IResult> GetUserDetailAsync(HttpContext context, SimulatorState state)
    {
        if (!ValidToken(context, state))
        {
            return Error(40014, "invalid access_token");
        }

        string? ticket;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            ticket = body.RootElement.TryGetProperty("user_ticket", out var t) ? t.GetString() : null;
        }
        catch (JsonException)
        {
            return Error(47001, "data format error, Warning: wrong json format.");
        }

        if (ticket is null || !state.Tickets.TryGetValue(ticket, out var userId))
        {
            return Error(40001, "invalid user_ticket");
        }

        var member = Members.First(m => m.UserId == userId);
        return Results.Json(new
        {
            errcode = 0,
            errmsg = "ok",
            userid = member.UserId,
            gender = "1",
            avatar = $"{context.Request.Scheme}://{context.Request.Host}{member.Avatar}",
            mobile = member.Mobile,
            email = member.Email,
        });
    }

    private static bool ValidToken(HttpContext context, SimulatorState state) =>
        state.Tokens.ContainsKey(context.Request.Query["access_token"].ToString());

    private static IResult Error(int errcode, string errmsg) => Results.Json(new { errcode, errmsg });
}
