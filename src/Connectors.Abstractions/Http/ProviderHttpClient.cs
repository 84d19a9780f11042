using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Connectors.Abstractions;

/// <summary>
/// The one place where provider requests are sent: resilience (per-attempt and overall timeouts, retries with
/// exponential backoff and jitter for safe operations only), a response size cap, JSON parsing, error mapping to
/// <see cref="ConnectorException"/>, logging, tracing and metrics. Provider packages describe requests with
/// <see cref="ProviderRequest"/> and read the provider's own error format through <see cref="ProviderRequest.Inspect"/>.
/// </summary>
/// <remarks>One instance per provider (it holds the built resilience pipelines); thread-safe. Every timer (attempt and
/// overall timeouts, retry delays) and every clock reading runs on the given <see cref="TimeProvider"/>.</remarks>
public sealed class ProviderHttpClient
{
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly string _httpClientName;
    private readonly ConnectorHttpOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<Attempt> _safePipeline;
    private readonly ResiliencePipeline<Attempt> _unsafePipeline;

    /// <summary>Creates the client of one provider.</summary>
    /// <param name="provider">The provider's display name used in messages, e.g. <c>WeCom</c>.</param>
    /// <param name="httpClientFactory">The factory of pooled HTTP clients.</param>
    /// <param name="httpClientName">The provider's named client.</param>
    /// <param name="options">Timeouts, retries and the size cap; validated here.</param>
    /// <param name="logger">Where request outcomes are logged (never URLs, bodies or secrets).</param>
    /// <param name="timeProvider">The clock of timeouts, retry delays, <c>Retry-After</c> dates and durations;
    /// <see cref="TimeProvider.System"/> when null.</param>
    public ProviderHttpClient(string provider, IHttpClientFactory httpClientFactory, string httpClientName, ConnectorHttpOptions options, ILogger logger, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentException.ThrowIfNullOrEmpty(httpClientName);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate(provider);

        Provider = provider;
        _httpClientFactory = httpClientFactory;
        _httpClientName = httpClientName;
        _options = options;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _safePipeline = BuildPipeline(RequestSafety.Safe);
        _unsafePipeline = BuildPipeline(RequestSafety.Unsafe);
    }

    /// <summary>The provider's display name.</summary>
    public string Provider { get; }

    /// <summary>Sends <paramref name="request"/> and returns the accepted 2xx response body as JSON.</summary>
    /// <exception cref="ConnectorException">
    /// Non-2xx (default: 429 → <see cref="ConnectorErrorCode.RateLimitExceeded"/>, others → <see cref="ConnectorErrorCode.General"/>,
    /// unless <see cref="ProviderRequest.Inspect"/> says otherwise); a 2xx body that is not JSON, truncated or over
    /// <see cref="ConnectorHttpOptions.MaxResponseBytes"/> → <see cref="ConnectorErrorCode.InvalidResponse"/>; a timeout or
    /// network failure → <see cref="ConnectorErrorCode.General"/>.
    /// </exception>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled.</exception>
    public async Task<JsonElement> SendAsync(ProviderRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = _time.GetTimestamp();
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
                var outcome = await pipeline.ExecuteOutcomeAsync(
                    static (ctx, self) => self.SendOnceAsync(ctx.Properties.GetValue(RequestKey, null!), ctx.CancellationToken),
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
            if (attempt.Failure is null && attempt.Response.TryGetJson(out var json))
            {
                Record(request, started, attempt.Response.StatusCode, null);
                return json;
            }

            failure = ToException(request, attempt);
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
            };
        }

        activity?.SetStatus(ActivityStatusCode.Error, failure.WireCode);
        activity?.SetTag("error.type", failure.WireCode);
        Record(request, started, failure.HttpStatusCode, failure);
        throw failure;
    }

    /// <summary>
    /// Builds the exception for a failure the provider code finds after <see cref="SendAsync"/> returned, in the same
    /// shape as the ones raised here, and records it in the failure metric and log.
    /// </summary>
    public ConnectorException Fail(string operation, ProviderFailure failure, int? httpStatusCode = null)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var exception = Create(operation, failure, httpStatusCode);
        ConnectorsDiagnostics.Failures.Add(1, Tags(operation, exception.WireCode));
        Log.RequestFailed(_logger, Provider, operation, exception.WireCode, exception.Message);
        return exception;
    }

    private static readonly ResiliencePropertyKey<ProviderRequest> RequestKey = new("Connectors.Request");

    private async ValueTask<Outcome<Attempt>> SendOnceAsync(ProviderRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var client = _httpClientFactory.CreateClient(_httpClientName);
            using var message = new HttpRequestMessage(request.Method, request.Uri);
            message.Headers.Authorization = request.Authorization;
            message.Content = request.Content?.Invoke();
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var body = await ReadBodyAsync(request, response, cancellationToken).ConfigureAwait(false);
            var providerResponse = new ProviderResponse((int)response.StatusCode, body, response.Headers, response.Content.Headers.ContentType?.MediaType);
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
        if (response.Content.Headers.ContentLength is { } length && length > limit)
        {
            throw TooLarge(request, (int)response.StatusCode);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
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
            $"returned a body larger than the {_options.MaxResponseBytes} byte limit"), status);

    private ProviderFailure? Classify(ProviderRequest request, ProviderResponse response)
    {
        if (request.Inspect?.Invoke(response) is { } failure)
        {
            return failure;
        }

        if (!response.IsSuccessStatusCode)
        {
            return DefaultFailure(response);
        }

        if (!response.TryGetJson(out _))
        {
            return new ProviderFailure(ConnectorErrorCode.InvalidResponse, DescribeNonJson(response));
        }

        return null;
    }

    /// <summary>The mapping of a non-2xx status when the provider code has nothing more specific.</summary>
    private ProviderFailure DefaultFailure(ProviderResponse response) => response.StatusCode switch
    {
        429 => new ProviderFailure(ConnectorErrorCode.RateLimitExceeded, "was rate limited by the provider (HTTP 429); try again later")
        {
            RetryAfter = response.RetryAfter(_time),
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

    private ConnectorException ToException(ProviderRequest request, Attempt attempt) =>
        Create(request.Operation, attempt.Failure ?? new ProviderFailure(ConnectorErrorCode.InvalidResponse, DescribeNonJson(attempt.Response)), attempt.Response.StatusCode);

    private ConnectorException Create(string operation, ProviderFailure failure, int? httpStatusCode) =>
        new(failure.Code, $"{Provider} {operation} {failure.Message}.")
        {
            Provider = Provider,
            Operation = operation,
            ProviderErrorCode = failure.ProviderErrorCode,
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

    private ResiliencePipeline<Attempt> BuildPipeline(RequestSafety safety)
    {
        var retry = new RetryStrategyOptions<Attempt>
        {
            MaxRetryAttempts = Math.Max(1, _options.MaxRetryAttempts),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.RetryBaseDelay,
            ShouldHandle = safety == RequestSafety.Safe ? ShouldRetrySafe : ShouldRetryUnsafe,
            OnRetry = args =>
            {
                var request = args.Context.Properties.GetValue(RequestKey, null!);
                var reason = args.Outcome.Exception?.GetType().Name
                    ?? (args.Outcome.Result is { } r ? $"HTTP {r.Response.StatusCode} {r.Failure?.ProviderErrorCode}".TrimEnd() : "unknown");
                ConnectorsDiagnostics.Retries.Add(1, Tags(request.Operation, null));
                Log.RequestRetry(_logger, Provider, request.Operation, args.AttemptNumber + 1, reason);
                return default;
            },
        };

        var builder = new ResiliencePipelineBuilder<Attempt> { TimeProvider = _time }
            .AddTimeout(_options.OverallTimeout);
        if (_options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(retry);
        }

        return builder.AddTimeout(_options.AttemptTimeout).Build();
    }

    private static ValueTask<bool> ShouldRetrySafe(RetryPredicateArguments<Attempt> args) => new(
        args.Outcome.Exception is HttpRequestException or IOException or TimeoutRejectedException
        || args.Outcome.Result?.Failure?.IsTransient == true);

    // An unsafe request is repeated only when it provably never left this process.
    private static ValueTask<bool> ShouldRetryUnsafe(RetryPredicateArguments<Attempt> args) => new(
        args.Outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError });

    private void Record(ProviderRequest request, long started, int? status, ConnectorException? failure)
    {
        var elapsed = _time.GetElapsedTime(started);
        var tags = Tags(request.Operation, failure?.WireCode);
        ConnectorsDiagnostics.Requests.Add(1, tags);
        ConnectorsDiagnostics.Duration.Record(elapsed.TotalSeconds, tags);
        if (failure is null)
        {
            Log.RequestCompleted(_logger, Provider, request.Operation, status ?? 0, elapsed.TotalMilliseconds);
        }
        else
        {
            ConnectorsDiagnostics.Failures.Add(1, tags);
            Log.RequestFailed(_logger, Provider, request.Operation, failure.WireCode, failure.Message);
        }
    }

    private TagList Tags(string operation, string? code)
    {
        var tags = new TagList
        {
            { "connectors.provider", Provider },
            { "connectors.operation", operation },
        };
        if (code is not null)
        {
            tags.Add("connectors.error_code", code);
        }

        return tags;
    }

    private sealed record Attempt(ProviderResponse Response, ProviderFailure? Failure);
}
