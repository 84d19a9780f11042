using System.Buffers;
using System.Collections.ObjectModel;
using System.Text;
using System.Text.Json;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.Logging;

namespace Connectors.WeCom;

/// <summary>WeCom (企业微信) sign-in for a self-built or 代开发 app.</summary>
/// <remarks>
/// Flow: the authorization URL (in-client OAuth inside the WeCom client, web login elsewhere); on the callback,
/// <c>auth/getuserinfo</c> with a cached app access token, then, best effort, <c>user/get</c> (members) and
/// <c>auth/getuserdetail</c> (with a <c>user_ticket</c>). Created by <see cref="WeComConnectorFactory"/>.
/// </remarks>
internal sealed partial class WeComConnector : ISocialConnector, IConnectorProbe
{
    private const string DefaultScope = "snsapi_base";
    private static readonly IReadOnlyDictionary<string, string> NoSession = ReadOnlyDictionary<string, string>.Empty;

    private readonly WeComConfig _config;
    private readonly WeComOptions _options;
    private readonly ProviderHttpClient _http;
    private readonly ApplicationTokenCache _tokens;
    private readonly ILogger _logger;
    private readonly TokenCacheKey _tokenKey;
    private readonly string _apiBase;
    private readonly Func<CancellationToken, Task<ApplicationToken>> _fetchToken;

    internal WeComConnector(WeComConfig config, WeComOptions options, string apiBase, ProviderHttpClient http, ApplicationTokenCache tokens, ILogger logger)
    {
        _config = config;
        _options = options;
        _http = http;
        _tokens = tokens;
        _logger = logger;
        _tokenKey = TokenCacheKey.Create(WeComConnectorFactory.ProviderName, config.CorpId, config.Secret.Reveal()); // tokens are per app secret
        _apiBase = apiBase;
        _fetchToken = FetchTokenAsync;
    }

    /// <summary>WeCom documents a token lifetime of 7,200 s; a longer <c>expires_in</c> is not trusted.</summary>
    private static readonly TimeSpan MaxTokenLifetime = TimeSpan.FromSeconds(7200);

    private static readonly Func<ProviderResponse, ProviderFailure?> InspectGetToken = r => WeComErrors.Inspect(r, isGetToken: true, consumesCode: false);
    private static readonly Func<ProviderResponse, ProviderFailure?> InspectCodeCall = r => WeComErrors.Inspect(r, isGetToken: false, consumesCode: true);
    private static readonly Func<ProviderResponse, ProviderFailure?> InspectApiCall = r => WeComErrors.Inspect(r, isGetToken: false, consumesCode: false);

    /// <inheritdoc/>
    public ConnectorMetadata Metadata => WeComConnectorFactory.ConnectorMetadata;

    /// <summary>The config this connector was created from (its secret prints as <c>***</c>).</summary>
    public WeComConfig Config => _config;

    /// <inheritdoc/>
    /// <remarks>
    /// A user agent containing <c>wxwork</c> gets the in-client OAuth URL (with scope and <c>#wechat_redirect</c>);
    /// any other gets the web login page (<see cref="WeComOptions.BrowserLogin"/>), which takes no scope. Scope:
    /// <see cref="AuthorizationRequest.Scope"/>, else the config's, else <c>snsapi_base</c>; blank counts as absent.
    /// </remarks>
    /// <exception cref="ConnectorException"><see cref="ConnectorErrorCode.InvalidRequestParameters"/> when the state is
    /// not 1 to 128 ASCII letters and digits, the only state WeCom accepts.</exception>
    public ValueTask<AuthorizationRedirect> GetAuthorizationUriAsync(AuthorizationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RedirectUri);
        cancellationToken.ThrowIfCancellationRequested();
        if (string.IsNullOrEmpty(request.State) || request.State.Length > 128 || !request.State.All(char.IsAsciiLetterOrDigit))
        {
            throw _http.Reject(
                "authorize",
                ConnectorErrorCode.InvalidRequestParameters,
                "WeCom accepts a state of 1 to 128 ASCII letters and digits only (a-z, A-Z, 0-9); generate the state without other characters.");
        }

        var redirect = request.RedirectUri.AbsoluteUri;
        var inClient = request.UserAgent?.Contains("wxwork", StringComparison.OrdinalIgnoreCase) == true;
        var query = new StringBuilder(256);
        Uri endpoint;
        if (inClient)
        {
            endpoint = _options.InClientAuthorizeEndpoint;
            var scope = !string.IsNullOrWhiteSpace(request.Scope) ? request.Scope.Trim() : _config.Scope ?? DefaultScope;
            UriQuery.Append(query, "appid", _config.CorpId);
            UriQuery.Append(query, "redirect_uri", redirect);
            UriQuery.Append(query, "response_type", "code");
            UriQuery.Append(query, "scope", scope);
            UriQuery.Append(query, "state", request.State);
            UriQuery.Append(query, "agentid", _config.AgentId);
        }
        else
        {
            var legacy = _options.BrowserLogin == WeComBrowserLogin.LegacyQrConnect;
            endpoint = legacy ? _options.LegacyQrConnectEndpoint : _options.WebLoginEndpoint;
            if (!legacy)
            {
                UriQuery.Append(query, "login_type", "CorpApp");
            }

            UriQuery.Append(query, "appid", _config.CorpId);
            UriQuery.Append(query, "agentid", _config.AgentId);
            UriQuery.Append(query, "redirect_uri", redirect);
            UriQuery.Append(query, "state", request.State);
            if (!string.IsNullOrEmpty(_options.Lang))
            {
                UriQuery.Append(query, "lang", _options.Lang);
            }
        }

        var uri = new Uri($"{endpoint.GetLeftPart(UriPartial.Path)}?{query}{(inClient ? "#wechat_redirect" : string.Empty)}");
        return ValueTask.FromResult(new AuthorizationRedirect(uri, NoSession));
    }

    /// <inheritdoc/>
    /// <remarks>The whole sign-in (token, identity, details) is bounded by <see cref="ConnectorHttpOptions.TotalTimeout"/>;
    /// details still missing when it runs out are skipped.</remarks>
    /// <exception cref="ConnectorException">
    /// <see cref="ConnectorErrorCode.AuthorizationFailed"/> without a <c>code</c>;
    /// <see cref="ConnectorErrorCode.SocialAuthCodeInvalid"/> for an invalid, used or expired code;
    /// <see cref="ConnectorErrorCode.InvalidConfig"/> for a wrong corpId/secret/agentId, an untrusted server IP or redirect domain;
    /// <see cref="ConnectorErrorCode.SocialAccessTokenInvalid"/> when a fresh token is rejected too;
    /// <see cref="ConnectorErrorCode.RateLimitExceeded"/>; <see cref="ConnectorErrorCode.InvalidResponse"/>;
    /// <see cref="ConnectorErrorCode.General"/> (also when the sign-in takes longer than its total timeout).
    /// </exception>
    public async Task<SocialUserInfo> GetUserInfoAsync(SocialCallback callback, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var code = callback.GetParameter("code") ?? throw _http.Reject(
            "callback",
            ConnectorErrorCode.AuthorizationFailed,
            "The WeCom callback carries no code: the user did not authorize, or the request is not a WeCom callback.");

        using var budget = new OperationBudget(_options.Http.TotalTimeout, _http.TimeProvider, cancellationToken);
        try
        {
            return await SignInAsync(code, budget).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (budget.IsExhausted)
        {
            throw _http.Reject(
                "sign-in",
                ConnectorErrorCode.General,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The WeCom sign-in did not complete within {budget.Limit.TotalSeconds:0.###} s (ConnectorHttpOptions.TotalTimeout). Check that WeCom is reachable from this server."));
        }
    }

    /// <inheritdoc/>
    /// <remarks>Holds an app access token for the corpId and secret: from the token cache (no request while one is
    /// valid; sign-ins share it), else from <c>gettoken</c>. A wrong corpId or secret, or a server IP WeCom does not
    /// trust, is <see cref="ConnectorErrorCode.InvalidConfig"/>.</remarks>
    public async Task ProbeAsync(CancellationToken cancellationToken = default) =>
        _ = await _tokens.GetAsync(_tokenKey, _fetchToken, cancellationToken).ConfigureAwait(false);

    private async Task<SocialUserInfo> SignInAsync(string code, OperationBudget budget)
    {
        var identity = await CallAsync(
            "getuserinfo",
            token => Api("cgi-bin/auth/getuserinfo", ("access_token", token), ("code", code)),
            RequestSafety.Safe, // a GET without side effects: a repeat after WeCom consumed the code can only fail with 40029
            consumesCode: true,
            content: null,
            secret: code,
            bestEffort: false,
            budget.Token).ConfigureAwait(false);

        var userId = identity.GetStringOrNull("userid");
        var openId = identity.GetStringOrNull("openid");
        var id = userId ?? openId ?? throw _http.Fail("getuserinfo", new ProviderFailure(
            ConnectorErrorCode.InvalidResponse, "returned neither a userid (member) nor an openid (non-member)"));

        var ticket = identity.GetStringOrNull("user_ticket");
        // The two detail calls are independent: run them together.
        var memberTask = userId is null ? null : BestEffortAsync(
            "user/get",
            token => Api("cgi-bin/user/get", ("access_token", token), ("userid", userId)),
            content: null,
            secret: null,
            budget);
        var detailTask = ticket is null ? null : BestEffortAsync(
            "getuserdetail",
            token => Api("cgi-bin/auth/getuserdetail", ("access_token", token)),
            () => TicketContent(ticket),
            secret: ticket,
            budget);
        var member = memberTask is null ? null : await memberTask.ConfigureAwait(false);
        var detail = detailTask is null ? null : await detailTask.ConfigureAwait(false);

        try
        {
            return WeComUserMapper.Map(_config.CorpId, id, identity, member, detail);
        }
        catch (InvalidOperationException)
        {
            // A detail body WeCom accepted as JSON but that is not text throughout (an escaped lone surrogate in a
            // property name): sign in with the identity alone, as when a detail call fails.
            LogDetailSkipped(_logger, "details", ConnectorErrorCode.InvalidResponse.ToWireString(), "-");
            return WeComUserMapper.Map(_config.CorpId, id, identity, null, null);
        }
    }

    private Uri Api(string path, params (string Name, string Value)[] query)
    {
        var builder = new StringBuilder(_apiBase, 256);
        builder.Append(path).Append('?');
        foreach (var (name, value) in query)
        {
            UriQuery.Append(builder, name, value);
        }

        return new Uri(builder.ToString());
    }

    /// <summary>An API call with the cached token; when WeCom rejects the token (errcode 40001/40014/42001 or HTTP
    /// 401) it is dropped, a fresh one fetched and the call retried once.</summary>
    private async Task<JsonElement> CallAsync(
        string operation,
        Func<string, Uri> uri,
        RequestSafety safety,
        bool consumesCode,
        Func<HttpContent>? content,
        string? secret,
        bool bestEffort,
        CancellationToken cancellationToken)
    {
        var method = content is null ? HttpMethod.Get : HttpMethod.Post;
        for (var attempt = 1; ; attempt++)
        {
            var token = await _tokens.GetAsync(_tokenKey, _fetchToken, cancellationToken).ConfigureAwait(false);
            try
            {
                return await _http.SendJsonAsync(
                    new ProviderRequest(operation, method, uri(token), safety)
                    {
                        Content = content,
                        Inspect = consumesCode ? InspectCodeCall : InspectApiCall,
                        Secrets = secret is null ? [token, _config.Secret.Reveal()] : [token, secret, _config.Secret.Reveal()],
                        BestEffort = bestEffort, // a detail the sign-in does without: not a failure, logged at Information
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectorException exception) when (exception.Code == ConnectorErrorCode.SocialAccessTokenInvalid)
            {
                await _tokens.InvalidateAsync(_tokenKey, token).ConfigureAwait(false);
                if (attempt == 2)
                {
                    throw;
                }

                LogTokenRefreshed(_logger, operation, exception.ProviderErrorCode ?? $"HTTP {exception.HttpStatusCode}");
            }
        }
    }

    private async Task<JsonElement?> BestEffortAsync(string operation, Func<string, Uri> uri, Func<HttpContent>? content, string? secret, OperationBudget budget)
    {
        try
        {
            return await CallAsync(operation, uri, RequestSafety.Safe, consumesCode: false, content, secret, bestEffort: true, budget.Token).ConfigureAwait(false);
        }
        catch (ConnectorException exception)
        {
            LogDetailSkipped(_logger, operation, exception.WireCode, exception.ProviderErrorCode ?? "-");
            return null;
        }
        catch (OperationCanceledException) when (budget.IsExhausted)
        {
            LogDetailSkipped(_logger, operation, "timeout", "-");
            return null;
        }
    }

    private async Task<ApplicationToken> FetchTokenAsync(CancellationToken cancellationToken)
    {
        var json = await _http.SendJsonAsync(
            new ProviderRequest(
                "gettoken",
                HttpMethod.Get,
                Api("cgi-bin/gettoken", ("corpid", _config.CorpId), ("corpsecret", _config.Secret.Reveal())),
                RequestSafety.Safe)
            {
                Inspect = InspectGetToken,
                Secrets = [_config.Secret.Reveal()],
            },
            cancellationToken).ConfigureAwait(false);

        var token = json.GetStringOrNull("access_token");
        if (!ApplicationTokenCache.IsUsableToken(token))
        {
            throw _http.Fail("gettoken", new ProviderFailure(ConnectorErrorCode.InvalidResponse, token is null ? "returned no access_token" : "returned an access_token that is not a usable token (empty, too long, or with spaces or control characters)"));
        }

        return new ApplicationToken(token!, json.GetLifetimeOrNull("expires_in", MaxTokenLifetime) ?? MaxTokenLifetime);
    }

    private static ByteArrayContent TicketContent(string ticket)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + ticket.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("user_ticket", ticket);
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "WeCom {Operation} rejected the cached access token ({Reason}); refreshed it and retrying once")]
    private static partial void LogTokenRefreshed(ILogger logger, string operation, string reason);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "WeCom {Operation} failed ({ErrorCode}, errcode {Errcode}); signing in without those details")]
    private static partial void LogDetailSkipped(ILogger logger, string operation, string errorCode, string errcode);
}
