using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Connectors.Simulators;

/// <summary>Tiny HTML helpers: the sample keeps its pages in code so it has no view engine to explain.</summary>
public static class Html
{
    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? string.Empty);

    public static IResult Page(string title, string body, int status = 200) => Document(title, body, string.Empty, string.Empty, status);

    /// <summary>A page of a simulated provider: its own colours and a banner, so it is plain that the browser left the
    /// sample host for the provider (as it would for the real WeCom, Hugging Face or Mailgun).</summary>
    public static IResult ProviderPage(string provider, string accent, string title, string body, int status = 200) => Document(
        title,
        body,
        $$"""body.provider { background: #f6f8fa; } .provider-banner { background: {{accent}}; color: #fff; padding: .6rem 1rem; border-radius: 6px; font-weight: 600; }""",
        $"""<div class="provider-banner" id="provider-banner">{E(provider)} (simulated): you are on the provider's page, not the sample host's.</div>""",
        status,
        "provider");

    private static IResult Document(string title, string body, string style, string banner, int status, string bodyClass = "") => Results.Content(
        $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{{E(title)}}</title>
          <link rel="icon" href="data:,">
          <style>
            body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
            h1 { font-size: 1.6rem; }
            .card { border: 1px solid #d0d7de; border-radius: 8px; padding: 1.25rem; margin: 1rem 0; }
            .button, button { display: inline-block; padding: .6rem 1rem; border-radius: 6px; border: 1px solid #1f2328; background: #fff;
                              color: #1f2328; text-decoration: none; font-size: 1rem; cursor: pointer; margin: .25rem 0; }
            .button.primary, button.primary { background: #1f2328; color: #fff; }
            input { padding: .55rem; font-size: 1rem; border: 1px solid #d0d7de; border-radius: 6px; width: 16rem; }
            .error { color: #b42318; } .note { color: #57606a; font-size: .9rem; }
            dl { display: grid; grid-template-columns: max-content auto; gap: .4rem 1rem; } dt { font-weight: 600; }
            img.avatar { width: 64px; height: 64px; border-radius: 50%; }
            {{style}}
          </style>
        </head>
        <body class="{{bodyClass}}">
        {{banner}}
        {{body}}
        </body>
        </html>
        """,
        "text/html; charset=utf-8",
        statusCode: status);

    public static string Antiforgery(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">""";
    }
}
