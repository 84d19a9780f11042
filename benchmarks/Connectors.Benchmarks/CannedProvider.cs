using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;

namespace Connectors.Benchmarks;

/// <summary>
/// The network taken out: an in-process handler answering with the response bodies of the WireMock contract
/// mappings (tests/contracts), by request path. Connectors and raw baselines use the same handler.
/// </summary>
public sealed class CannedProvider : HttpMessageHandler
{
    private readonly Dictionary<string, byte[]> _bodies;

    public CannedProvider()
    {
        var contracts = typeof(CannedProvider).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ContractsDirectory").Value!;
        byte[] Body(string file, int index)
        {
            var contract = JsonNode.Parse(File.ReadAllText(Path.Combine(contracts, file)))!;
            var mapping = contract["mappings"] is { } mappings ? mappings[index]! : contract;
            return System.Text.Encoding.UTF8.GetBytes(mapping["response"]!["jsonBody"]!.ToJsonString());
        }

        _bodies = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["/cgi-bin/gettoken"] = Body("wecom/gettoken.json", 0),
            ["/cgi-bin/auth/getuserinfo?ticket"] = Body("wecom/getuserinfo.json", 0),
            ["/cgi-bin/auth/getuserinfo"] = Body("wecom/getuserinfo.json", 1),
            ["/cgi-bin/user/get"] = Body("wecom/user-get.json", 1),
            ["/cgi-bin/auth/getuserdetail"] = Body("wecom/getuserdetail.json", 0),
            ["/oauth/token"] = Body("huggingface/token.json", 0),
            ["/oauth/userinfo"] = Body("huggingface/userinfo.json", 0),
            ["/v3/example.com/messages"] = Body("mailgun/messages.json", 0),
            ["/login/oauth/access_token"] = Body("github/oauth.json", 0),
            ["/api/v3/user"] = Body("github/oauth.json", 2),
            ["/api/v3/user/emails"] = Body("github/oauth.json", 3),
            ["/oauth2/token"] = Body("oauth2/token.json", 0),
            ["/oauth2/user"] = Body("oauth2/userinfo.json", 0),
        };
    }

    public static readonly Uri BaseAddress = new("https://provider.test/");

    /// <summary>Bodies a benchmark makes at setup (a signed ID token, a JWKS), by path; they win over the contracts.</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Made { get; } = new(StringComparer.Ordinal);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (path == "/cgi-bin/auth/getuserinfo" && request.RequestUri.Query.Contains("code=code-member-ticket", StringComparison.Ordinal))
        {
            path += "?ticket";
        }

        if (path == "/v3/mail/send")
        {
            // SendGrid accepts with 202, an empty body and the message id in a header (tests/contracts/sendgrid).
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Accepted) { RequestMessage = request, Content = new ByteArrayContent([]), Headers = { { "X-Message-Id", "14c5d75ce93.dfd.64b469" } } });
        }

        var response = new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new ByteArrayContent(Made.TryGetValue(path, out var made) ? made : _bodies[path]) };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return Task.FromResult(response);
    }
}
