using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// The one place where provider requests are sent: resilience (per-attempt and overall timeouts, retries with
/// exponential backoff and jitter for safe operations only), a response size cap, error mapping to
/// <see cref="ConnectorException"/> with provider text cut, flattened and cleared of the request's secrets, logging,
/// tracing and metrics. Provider packages describe requests with <see cref="ProviderRequest"/> and read the provider's
/// own error format through <see cref="ProviderRequest.Inspect"/>. Failures found outside a request go through
/// <see cref="Fail"/> and <see cref="Reject"/>, so every connector error is measured and logged the same way.
/// </summary>
/// <remarks>One instance per provider (it holds the built resilience pipelines); thread-safe. Every timer (attempt and
/// overall timeouts, retry delays) and every clock reading runs on the given <see cref="TimeProvider"/>.</remarks>
public sealed class ProviderHttpClient
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly string _httpClientName;
    private readonly ConnectorHttpOptions _options;
    private readonly ResiliencePipeline<Attempt> _safePipeline;
    private readonly ResiliencePipeline<Attempt> _unsafePipeline;
    private readonly ConnectorTelemetry _telemetry;

    /// <summary>Creates the client of one provider.</summary>
    /// <param name="provider">The provider's display name used in messages, e.g. <c>WeCom</c>.</param>
    /// <param name="httpClientFactory">The factory of pooled HTTP clients.</param>
    /// <param name="httpClientName">The provider's named client.</param>
    /// <param name="options">Timeouts, retries and the size cap; validated here.</param>
    /// <param name="logger">Where request outcomes are logged (never URLs, bodies or secrets).</param>
    /// <param name="timeProvider">The clock of timeouts, retry delays, <c>Retry-After</c> dates and durations;
    /// <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="meterFactory">Creates the <c>Connectors</c> meter (see <see cref="ConnectorsDiagnostics"/>);
    /// <see cref="ConnectorsDiagnostics.Meter"/> when null.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">When <paramref name="options"/> are out of range.</exception>
    public ProviderHttpClient(string provider, IHttpClientFactory httpClientFactory, string httpClientName, ConnectorHttpOptions options, ILogger logger, TimeProvider? timeProvider = null, IMeterFactory? meterFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentException.ThrowIfNullOrEmpty(httpClientName);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        var problems = new List<string>();
        OptionsChecks.Http(options, $"{provider} HTTP options", problems);
        OptionsChecks.ThrowIfAny(problems, provider);

        Provider = provider;
        _httpClientFactory = httpClientFactory;
        _httpClientName = httpClientName;
        _options = options;
        _telemetry = new ConnectorTelemetry(logger, meterFactory);
        TimeProvider = timeProvider ?? TimeProvider.System;
        _safePipeline = BuildPipeline(RequestSafety.Safe);
        _unsafePipeline = BuildPipeline(RequestSafety.Unsafe);
    }

    /// <summary>The provider's display name.</summary>
    public string Provider { get; }

    /// <summary>The clock of this client's timeouts and retry delays.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>The timeouts, retries and size cap in use.</summary>
    public ConnectorHttpOptions Options => _options;

    /// <summary>Sends <paramref name="request"/> and returns the accepted response: a 2xx that
    /// <see cref="ProviderRequest.Inspect"/> does not reject, whatever its body.</summary>
    /// <exception cref="ConnectorException">
    /// Non-2xx (default: 429 → <see cref="ConnectorErrorCode.RateLimitExceeded"/>, others → <see cref="ConnectorErrorCode.General"/>,
    /// unless <see cref="ProviderRequest.Inspect"/> says otherwise); a body over <see cref="ConnectorHttpOptions.MaxResponseBytes"/>
    /// → <see cref="ConnectorErrorCode.InvalidResponse"/> (except for <see cref="ProviderRequest.AcceptAnySuccessBody"/>);
    /// a timeout or network failure → <see cref="ConnectorErrorCode.General"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public Task<ProviderResponse> SendAsync(ProviderRequest request, CancellationToken cancellationToken = default) =>
        SendCoreAsync(request, requireJson: false, cancellationToken);

    /// <summary>Sends <paramref name="request"/> and returns the accepted 2xx response body as JSON.</summary>
    /// <exception cref="ConnectorException">As <see cref="SendAsync"/>, and <see cref="ConnectorErrorCode.InvalidResponse"/>
    /// for a 2xx body that is not one JSON value (empty, HTML, truncated).</exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public async Task<JsonElement> SendJsonAsync(ProviderRequest request, CancellationToken cancellationToken = default)
    {
        var response = await SendCoreAsync(request, requireJson: true, cancellationToken).ConfigureAwait(false);
        response.TryGetJson(out var json);
        return json;
    }

    /// <summary>
    /// The exception for a failure the provider code finds in a response <see cref="SendAsync"/> accepted (a field
    /// missing), in the same shape as the ones raised here (<c>"{Provider} {operation} {message}."</c>), counted and logged.
    /// </summary>
    public ConnectorException Fail(string operation, ProviderFailure failure, int? httpStatusCode = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(failure);
        var exception = Create(operation, failure, httpStatusCode, secrets: null);
        _telemetry.RecordFailure(exception);
        return exception;
    }

    /// <summary>
    /// The exception for a problem found before any request (a callback without a code, a state the provider does not
    /// accept, a template that cannot be rendered), with <paramref name="message"/> as given (a whole sentence saying
    /// what to check), counted and logged like every other connector failure. Text from outside in
    /// <paramref name="message"/> must have gone through <see cref="SafeText.FromProvider"/>.
    /// </summary>
    public ConnectorException Reject(string operation, ConnectorErrorCode code, string message, string? providerErrorCode = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentException.ThrowIfNullOrEmpty(message);
        var exception = new ConnectorException(code, message)
        {
            Provider = Provider,
            Operation = operation,
            ProviderErrorCode = SafeText.FromProvider(providerErrorCode, MaxProviderErrorCodeLength),
        };
        _telemetry.RecordFailure(exception);
        return exception;
    }

    /// <summary>
    /// The exception for a failure of a provider that speaks another protocol than HTTP (SMTP), in the same shape as
    /// the ones raised here (<c>"{Provider} {operation} {message}."</c>, <paramref name="secrets"/> replaced by
    /// <c>***</c>), counted and logged. <paramref name="outcomeUnknown"/>: the operation may have taken effect.
    /// </summary>
    public ConnectorException FailProtocol(string operation, ProviderFailure failure, Exception cause, bool outcomeUnknown, IReadOnlyList<string> secrets)
    {
        ArgumentException.ThrowIfNullOrEmpty(operation);
        ArgumentNullException.ThrowIfNull(failure);
        var created = Create(operation, failure, null, secrets);
        var exception = new ConnectorException(created.Code, created.Message, cause)
        {
            Provider = Provider,
            Operation = operation,
            ProviderErrorCode = created.ProviderErrorCode,
            RetryAfter = failure.RetryAfter,
            OutcomeUnknown = outcomeUnknown,
        };
        _telemetry.RecordFailure(exception);
        return exception;
    }

    private const int MaxProviderErrorCodeLength = 100;

    private static readonly ResiliencePropertyKey<ProviderRequest> RequestKey = new("Connectors.Request");

    private static readonly ResiliencePropertyKey<long> StartedKey = new("Connectors.Started");

    private static readonly ResiliencePropertyKey<bool> ExpiredKey = new("Connectors.Expired");

    private async Task<ProviderResponse> SendCoreAsync(ProviderRequest request, bool requireJson, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = TimeProvider.GetTimestamp();
        using var activity = ConnectorsDiagnostics.ActivitySource.HasListeners()
            ? ConnectorsDiagnostics.ActivitySource.StartActivity($"{Provider} {request.Operation}", ActivityKind.Client)
            : null;
        activity?.SetTag("connectors.provider", Provider);
        activity?.SetTag("connectors.operation", request.Operation);

        ConnectorException failure;
        try
        {
            var pipeline = request.Safety == RequestSafety.Safe ? _safePipeline : _unsafePipeline;
            var context = ResilienceContextPool.Shared.Get(cancellationToken);
            Attempt attempt;
            try
            {
                context.Properties.Set(RequestKey, request);
                context.Properties.Set(StartedKey, started);
                var outcome = await pipeline.ExecuteOutcomeAsync(
                    static (ctx, self) => self.SendOnceAsync(ctx, ctx.Properties.GetValue(RequestKey, null!), ctx.CancellationToken),
                    context,
                    this).ConfigureAwait(false);
                outcome.ThrowIfException();
                attempt = outcome.Result!;
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }

            activity?.SetTag("http.response.status_code", attempt.Response.StatusCode);
            var problem = attempt.Failure
                ?? (requireJson && !attempt.Response.TryGetJson(out _) ? new ProviderFailure(ConnectorErrorCode.InvalidResponse, DescribeNonJson(attempt.Response)) : null);
            if (problem is null)
            {
                _telemetry.RecordRequest(Provider, request.Operation, TimeProvider.GetElapsedTime(started), attempt.Response.StatusCode, null);
                return attempt.Response;
            }

            failure = Create(request.Operation, problem, attempt.Response.StatusCode, request.Secrets);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (ConnectorException exception)
        {
            failure = exception;
        }
        catch (TimeoutRejectedException exception)
        {
            failure = new ConnectorException(
                ConnectorErrorCode.General,
                string.Create(CultureInfo.InvariantCulture, $"{Provider} {request.Operation} timed out (each attempt may take {_options.AttemptTimeout.TotalSeconds:0.###} s, the operation {_options.OverallTimeout.TotalSeconds:0.###} s). Check that the provider is reachable from this server."),
                exception)
            {
                Provider = Provider,
                Operation = request.Operation,
                OutcomeUnknown = request.Safety == RequestSafety.Unsafe,
            };
        }
        catch (Exception exception) when (Refusal(exception) is { } refused)
        {
            failure = new ConnectorException(
                ConnectorErrorCode.InvalidConfig,
                $"{Provider} {request.Operation} was not sent: {refused.Message}. A config may name public addresses only; a host application that means to reach this one lists its origin as allowed.")
            {
                Provider = Provider,
                Operation = request.Operation,
            };
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            failure = new ConnectorException(
                ConnectorErrorCode.General,
                $"{Provider} {request.Operation} failed: {DescribeNetworkError(exception)}. Check that the provider is reachable from this server.",
                exception)
            {
                Provider = Provider,
                Operation = request.Operation,
                OutcomeUnknown = request.Safety == RequestSafety.Unsafe && !NeverSent(exception),
            };
        }

        activity?.SetStatus(ActivityStatusCode.Error, failure.WireCode);
        activity?.SetTag("error.type", failure.WireCode);
        _telemetry.RecordRequest(Provider, request.Operation, TimeProvider.GetElapsedTime(started), failure.HttpStatusCode, failure, request.BestEffort);
        throw failure;
    }

    private async ValueTask<Outcome<Attempt>> SendOnceAsync(ResilienceContext context, ProviderRequest request, CancellationToken cancellationToken)
    {
        if (context.Properties.GetValue(ExpiredKey, false))
        {
            // The overall timeout passed before this attempt (during a retry delay): nothing is sent.
            return Outcome.FromException<Attempt>(new TimeoutRejectedException("The overall timeout passed before this attempt.", _options.OverallTimeout));
        }

        try
        {
            var client = _httpClientFactory.CreateClient(_httpClientName);
            using var message = new HttpRequestMessage(request.Method, request.Uri);
            message.Options.Set(ProviderRequestOptions.Safety, request.Safety);
            message.Headers.Authorization = request.Authorization;
            if (request.Headers is { } headers)
            {
                foreach (var (name, value) in headers)
                {
                    message.Headers.TryAddWithoutValidation(name, value);
                }
            }

            message.Content = request.Content?.Invoke();
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.RequestMessage?.RequestUri is { } sentTo && sentTo != request.Uri)
            {
                // A handler the host put in this client's pipeline followed a redirect: whatever came back is not the
                // provider's answer to this request.
                var redirected = new ProviderResponse((int)response.StatusCode, [], response.Headers, null);
                return Outcome.FromResult(new Attempt(redirected, new ProviderFailure(
                    ConnectorErrorCode.General,
                    "was redirected to another address by an HTTP handler of this host; connector clients never follow redirects: remove the handler that follows them")));
            }

            byte[] body;
            string? bodyProblem = null;
            if (request.AcceptAnySuccessBody && response.IsSuccessStatusCode)
            {
                // The 2xx already says the provider acted: whatever happens to the body, the outcome is success.
                try
                {
                    body = await ReadBodyAsync(request, response, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is ConnectorException or HttpRequestException or IOException or OperationCanceledException)
                {
                    body = [];
                    bodyProblem = exception is ConnectorException
                        ? $"the body was larger than the {_options.MaxResponseBytes} byte limit"
                        : "the body could not be read completely";
                }
            }
            else
            {
                body = await ReadBodyAsync(request, response, cancellationToken).ConfigureAwait(false);
            }

            var providerResponse = new ProviderResponse((int)response.StatusCode, body, response.Headers, response.Content.Headers.ContentType?.MediaType, bodyProblem);
            return Outcome.FromResult(new Attempt(providerResponse, Classify(request, providerResponse)));
        }
        catch (Exception exception)
        {
            return Outcome.FromException<Attempt>(exception);
        }
    }

    private async Task<byte[]> ReadBodyAsync(ProviderRequest request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = _options.MaxResponseBytes;
        var declared = response.Content.Headers.ContentLength;
        if (declared > limit)
        {
            throw TooLarge(request, (int)response.StatusCode);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (declared is { } length)
            {
                // The common case: the length is known, the body is read into an array of that size. (The handler
                // ends a body that differs from its Content-Length with an error.)
                var exact = new byte[length];
                var filled = 0;
                while (filled < exact.Length && await stream.ReadAsync(exact.AsMemory(filled), cancellationToken).ConfigureAwait(false) is var got and > 0)
                {
                    filled += got;
                }

                return filled == exact.Length ? exact : exact[..filled];
            }

            var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, 16 * 1024));
            try
            {
                var total = 0;
                while (true)
                {
                    if (total == buffer.Length)
                    {
                        if (buffer.Length > limit)
                        {
                            throw TooLarge(request, (int)response.StatusCode);
                        }

                        var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, limit + 1L));
                        buffer.AsSpan(0, total).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                    if (total > limit)
                    {
                        throw TooLarge(request, (int)response.StatusCode);
                    }
                }

                return buffer.AsSpan(0, total).ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private ConnectorException TooLarge(ProviderRequest request, int status) =>
        Create(request.Operation, new ProviderFailure(
            ConnectorErrorCode.InvalidResponse,
            $"returned a body larger than the {_options.MaxResponseBytes} byte limit"), status, secrets: null);

    private ProviderFailure? Classify(ProviderRequest request, ProviderResponse response)
    {
        // No provider call needs a redirect, and following one would hand the request (a client secret, a code, an
        // email) to whatever address the response names. Its Location is not quoted either.
        if (response.StatusCode is >= 300 and < 400)
        {
            return new ProviderFailure(ConnectorErrorCode.General, $"answered with a redirect (HTTP {response.StatusCode}), which is never followed; check the endpoint address");
        }

        if (request.Inspect?.Invoke(response) is { } failure)
        {
            return failure;
        }

        return response.IsSuccessStatusCode ? null : DefaultFailure(response);
    }

    /// <summary>The mapping of a non-2xx status when the provider code has nothing more specific.</summary>
    private ProviderFailure DefaultFailure(ProviderResponse response) => response.StatusCode switch
    {
        429 => new ProviderFailure(ConnectorErrorCode.RateLimitExceeded, "was rate limited by the provider (HTTP 429); try again later")
        {
            RetryAfter = response.RetryAfter(TimeProvider),
        },
        408 or >= 500 => new ProviderFailure(ConnectorErrorCode.General, $"failed with HTTP {response.StatusCode} from the provider") { IsTransient = true },
        _ => new ProviderFailure(ConnectorErrorCode.General, $"failed with HTTP {response.StatusCode} from the provider"),
    };

    /// <summary>Describes a 2xx body that is not JSON without quoting it (it might echo request data).</summary>
    private static string DescribeNonJson(ProviderResponse response)
    {
        if (response.Body.IsEmpty)
        {
            return "returned an empty body where JSON was expected";
        }

        return response.MediaType is { } type && type.Contains("html", StringComparison.OrdinalIgnoreCase)
            ? $"returned an HTML page (HTTP {response.StatusCode}) where JSON was expected; is the endpoint address right?"
            : $"returned a body that is not valid JSON (HTTP {response.StatusCode}, {response.Body.Length} bytes, possibly truncated)";
    }

    /// <summary>Every failure message passes here: provider text in it (an errmsg, an error_description) has the
    /// request's secret values replaced, and the provider's error code is cut and flattened.</summary>
    private ConnectorException Create(string operation, ProviderFailure failure, int? httpStatusCode, IReadOnlyList<string>? secrets) =>
        new(failure.Code, SafeText.Redact($"{Provider} {operation} {failure.Message}.", secrets))
        {
            Provider = Provider,
            Operation = operation,
            ProviderErrorCode = SafeText.FromProvider(failure.ProviderErrorCode, MaxProviderErrorCodeLength, secrets),
            HttpStatusCode = httpStatusCode,
            RetryAfter = failure.RetryAfter,
        };

    private static string DescribeNetworkError(Exception exception) => exception switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => "the connection could not be established",
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError } => "the provider's host name could not be resolved",
        HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "the TLS connection could not be established",
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "the provider closed the connection before a complete response",
        HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse } => "the provider sent a malformed HTTP response",
        HttpRequestException => "the request could not be completed (connection reset or malformed response)",
        OperationCanceledException => "the request was aborted",
        _ => "the connection broke while the response was read",
    };

    /// <summary>
    /// One timer per attempt: the attempt's timeout is the attempt timeout or what is left of the overall timeout,
    /// whichever is shorter, and a retry's delay ends by the overall deadline; an attempt that would begin after it
    /// is not sent. (The overall timeout as a strategy of its own would arm a second timer on every request.)
    /// </summary>
    private ResiliencePipeline<Attempt> BuildPipeline(RequestSafety safety)
    {
        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = TimeProvider };
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<Attempt>
            {
                MaxRetryAttempts = _options.MaxRetryAttempts,
                ShouldHandle = args => new((safety == RequestSafety.Safe ? ShouldRetrySafe(args.Outcome) : ShouldRetryUnsafe(args.Outcome))
                    && Remaining(args.Context) > TimeSpan.Zero),
                DelayGenerator = args => new(RetryDelay(args.AttemptNumber, Remaining(args.Context))),
                OnRetry = args =>
                {
                    var request = args.Context.Properties.GetValue(RequestKey, null!);
                    var reason = args.Outcome.Exception?.GetType().Name
                        ?? (args.Outcome.Result is { } r ? $"HTTP {r.Response.StatusCode} {SafeText.FromProvider(r.Failure?.ProviderErrorCode, MaxProviderErrorCodeLength, request.Secrets)}".TrimEnd() : "unknown");
                    _telemetry.RecordRetry(Provider, request.Operation, args.AttemptNumber + 1, reason);
                    return default;
                },
            });
        }

        return builder.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args =>
            {
                var remaining = Remaining(args.Context);
                if (remaining <= TimeSpan.Zero)
                {
                    args.Context.Properties.Set(ExpiredKey, true); // the attempt is not sent
                    return new(Timeout.InfiniteTimeSpan);
                }

                return new(remaining < _options.AttemptTimeout ? remaining : _options.AttemptTimeout);
            },
        }).Build();
    }

    /// <summary>What is left of the overall timeout of the operation <paramref name="context"/> runs.</summary>
    private TimeSpan Remaining(ResilienceContext context) => _options.OverallTimeout - TimeProvider.GetElapsedTime(context.Properties.GetValue(StartedKey, 0L));

    /// <summary>Exponential backoff with jitter: the base delay doubled per attempt, times 0.75 to 1.25, and never past
    /// the overall deadline.</summary>
    private TimeSpan RetryDelay(int attempt, TimeSpan remaining)
    {
        var delay = TimeSpan.FromTicks((long)Math.Min(_options.RetryBaseDelay.Ticks * Math.Pow(2, attempt) * (0.75 + (Random.Shared.NextDouble() / 2)), TimeSpan.MaxValue.Ticks / 2));
        return delay < remaining ? delay : remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining;
    }

    private static bool ShouldRetrySafe(Outcome<Attempt> outcome) =>
        (outcome.Exception is HttpRequestException or IOException or TimeoutRejectedException && Refusal(outcome.Exception) is null)
        || outcome.Result?.Failure?.IsTransient == true;

    // An unsafe request is repeated only when it provably never left this process.
    private static bool ShouldRetryUnsafe(Outcome<Attempt> outcome) => outcome.Exception is { } exception && NeverSent(exception);

    private static bool NeverSent(Exception exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }
        && Refusal(exception) is null;

    private static ProviderAddressRefusedException? Refusal(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is ProviderAddressRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private sealed record Attempt(ProviderResponse Response, ProviderFailure? Failure);
}
