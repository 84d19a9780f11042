using Microsoft.Extensions.Options;

namespace Connectors.Abstractions.Providers;

/// <summary>
/// Checks of host-level options for a provider's <see cref="IValidateOptions{TOptions}"/>: each problem names the
/// option (<c>WeComOptions.Http.AttemptTimeout</c>) and says what is expected, so that a host registered with
/// <c>ValidateOnStart</c> fails at start with a message a person can act on.
/// </summary>
public static class OptionsChecks
{
    /// <summary>Checks timeouts (positive), retries, retry delay and size cap (not negative, cap positive).</summary>
    public static void Http(ConnectorHttpOptions? http, string name, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (http is null)
        {
            problems.Add($"{name} must be set.");
            return;
        }

        Positive(http.AttemptTimeout, $"{name}.AttemptTimeout", problems);
        Positive(http.OverallTimeout, $"{name}.OverallTimeout", problems);
        Positive(http.TotalTimeout, $"{name}.TotalTimeout", problems);
        if (http.MaxRetryAttempts < 0)
        {
            problems.Add($"{name}.MaxRetryAttempts must not be negative (was {http.MaxRetryAttempts}).");
        }

        if (http.RetryBaseDelay < TimeSpan.Zero)
        {
            problems.Add($"{name}.RetryBaseDelay must not be negative (was {http.RetryBaseDelay}).");
        }

        if (http.MaxResponseBytes <= 0)
        {
            problems.Add($"{name}.MaxResponseBytes must be positive (was {http.MaxResponseBytes}).");
        }
    }

    /// <summary>Checks the refresh margin and backoff (not negative), capacity (at least 1) and cache budget (positive).</summary>
    public static void TokenCache(ApplicationTokenCacheOptions? cache, string name, ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (cache is null)
        {
            problems.Add($"{name} must be set.");
            return;
        }

        if (cache.RefreshMargin < TimeSpan.Zero)
        {
            problems.Add($"{name}.RefreshMargin must not be negative (was {cache.RefreshMargin}).");
        }

        if (cache.SharedRefreshLease <= TimeSpan.Zero || cache.SharedRefreshLease > TimeSpan.FromMinutes(5))
        {
            problems.Add($"{name}.SharedRefreshLease must be more than zero and at most 5 minutes (was {cache.SharedRefreshLease}).");
        }

        if (cache.Capacity < 1)
        {
            problems.Add($"{name}.Capacity must be at least 1 (was {cache.Capacity}).");
        }

        Positive(cache.DistributedCacheTimeout, $"{name}.DistributedCacheTimeout", problems);
        if (cache.FailureBackoff < TimeSpan.Zero)
        {
            problems.Add($"{name}.FailureBackoff must not be negative (was {cache.FailureBackoff}).");
        }
    }

    /// <summary>Checks that <paramref name="uri"/> is absolute and, when <paramref name="carriesCredentials"/>, https
    /// (plain http only to a loopback address: a local simulator or test server).</summary>
    public static void AbsoluteUri(Uri? uri, string name, ICollection<string> problems, bool carriesCredentials = false)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (uri is null || !uri.IsAbsoluteUri)
        {
            problems.Add($"{name} must be an absolute URI.");
        }
        else if (carriesCredentials && uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
        {
            problems.Add($"{name} must be an https URI (was {uri.GetLeftPart(UriPartial.Authority)}): credentials are sent there. Plain http is accepted only for a loopback address.");
        }
    }

    /// <summary>The validation result of <paramref name="problems"/>.</summary>
    public static ValidateOptionsResult Result(ICollection<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Throws <see cref="OptionsValidationException"/> listing <paramref name="problems"/>, if any: for
    /// constructors used without DI.</summary>
    internal static void ThrowIfAny(ICollection<string> problems, string optionsName)
    {
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(optionsName, typeof(object), problems);
        }
    }

    private static void Positive(TimeSpan value, string name, ICollection<string> problems)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{name} must be positive (was {value}).");
        }
    }
}
