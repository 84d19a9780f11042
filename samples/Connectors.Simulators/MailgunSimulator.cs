using System.Text;
using static Connectors.Simulators.Html;

namespace Connectors.Simulators;

/// <summary>
/// A simulated Mailgun: <c>POST /v3/{domain}/messages</c> (Basic <c>api:&lt;key&gt;</c>, form fields as in
/// tests/contracts/mailgun; 401 plain-text <c>Forbidden</c> for a wrong key, 404 for an unknown domain) and an inbox
/// page that shows every accepted mail.
/// </summary>
internal static class MailgunSimulator
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/v3/{domain}/messages", SendAsync).DisableAntiforgery();
        app.MapGet("/sim/mailgun/inbox", Inbox);
    }

    private static async Task<IResult> SendAsync(string domain, HttpContext context, SimulatorState state)
    {
        var config = state.Configuration.GetSection("Mailgun");
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("api:" + config["apiKey"]));
        if (context.Request.Headers.Authorization != expected)
        {
            return Results.Text("Forbidden", "text/plain", statusCode: 401);
        }

        if (!string.Equals(domain, config["domain"], StringComparison.OrdinalIgnoreCase))
        {
            return Results.Json(new { message = $"Domain not found: {domain}" }, statusCode: 404);
        }

        if (!context.Request.HasFormContentType)
        {
            return Results.Json(new { message = "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified." }, statusCode: 400);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (string.IsNullOrEmpty(form["from"]))
        {
            return Results.Json(new { message = "from parameter is missing." }, statusCode: 400);
        }

        if (string.IsNullOrEmpty(form["to"]))
        {
            return Results.Json(new { message = "Missing parameter 'to'." }, statusCode: 400);
        }

        if (string.IsNullOrEmpty(form["html"]) && string.IsNullOrEmpty(form["text"]) && string.IsNullOrEmpty(form["template"]))
        {
            return Results.Json(new { message = "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified." }, statusCode: 400);
        }

        var id = $"<{DateTimeOffset.UtcNow:yyyyMMddHHmmss}.{SimulatorState.NewValue(string.Empty)[..12]}@{domain}>";
        state.Mails.Enqueue(new SimulatedMail(id, DateTimeOffset.UtcNow, form["from"]!, form["to"]!, form["subject"], form["html"], form["text"], form["template"], form["h:X-Mailgun-Variables"]));
        return Results.Json(new { id, message = "Queued. Thank you." });
    }

    private static IResult Inbox(SimulatorState state)
    {
        var mails = state.Mails.Reverse().Select((m, i) => $"""
            <div class="card mail" data-to="{E(m.To)}">
              <p><strong class="mail-subject">{E(m.Subject)}</strong></p>
              <p class="note">To <span class="mail-to">{E(m.To)}</span>, from {E(m.From)}, {m.At:u}, {E(m.Id)}</p>
              <p class="mail-text">{E(m.Text ?? m.Template)}</p>
              {(m.Html is null ? string.Empty : $"""<iframe sandbox title="mail {i}" style="width:100%;height:6rem;border:1px solid #d0d7de" srcdoc="{E(m.Html)}"></iframe>""")}
            </div>
            """);
        return ProviderPage("Mailgun inbox", "#c02126", "Simulated inbox", $"""
            <h1>Simulated Mailgun inbox</h1>
            <p class="note">Every message the Mailgun simulator accepted, newest first.</p>
            {string.Concat(mails)}
            <a class="button" href="/">Back to sign-in</a>
            """);
    }
}
