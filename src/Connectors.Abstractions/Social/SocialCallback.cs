using System.Collections.ObjectModel;

namespace Connectors.Abstractions;

/// <summary>The provider's callback: its query (or form) parameters and the session kept since the redirect.</summary>
/// <param name="Parameters">The callback parameters, e.g. <c>code</c>, <c>state</c>, <c>error</c>.</param>
/// <param name="Session">The session from <see cref="AuthorizationRedirect.Session"/>.</param>
public sealed record SocialCallback(IReadOnlyDictionary<string, string?> Parameters, IReadOnlyDictionary<string, string> Session)
{
    private static readonly IReadOnlyDictionary<string, string> EmptySession = ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Builds a callback from a raw query string such as <c>?code=abc&amp;state=xyz</c>.</summary>
    /// <param name="query">The query string, with or without the leading <c>?</c>. Values are percent-decoded and <c>+</c> is a space.</param>
    /// <param name="session">The session from the redirect; empty when null.</param>
    /// <remarks>When a key repeats, the first value wins. A key without <c>=</c> gets an empty value.</remarks>
    public static SocialCallback FromQueryString(string? query, IReadOnlyDictionary<string, string>? session = null)
    {
        var parameters = new Dictionary<string, string?>(StringComparer.Ordinal);
        var span = (query ?? string.Empty).AsSpan();
        if (span.StartsWith("?"))
        {
            span = span[1..];
        }

        while (!span.IsEmpty)
        {
            var end = span.IndexOf('&');
            var pair = end < 0 ? span : span[..end];
            span = end < 0 ? [] : span[(end + 1)..];
            if (pair.IsEmpty)
            {
                continue;
            }

            var eq = pair.IndexOf('=');
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? string.Empty : Decode(pair[(eq + 1)..]);
            parameters.TryAdd(key, value);
        }

        return new SocialCallback(parameters, session ?? EmptySession);
    }

    /// <summary>Returns the parameter's value, or null when it is absent or empty.</summary>
    public string? GetParameter(string name) =>
        Parameters.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>Returns the session value, or null when it is absent or empty.</summary>
    public string? GetSessionValue(string name) =>
        Session.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    private static string Decode(ReadOnlySpan<char> value) => Uri.UnescapeDataString(value.ToString().Replace('+', ' '));
}
