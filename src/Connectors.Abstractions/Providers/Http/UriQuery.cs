using System.Text;

namespace Connectors.Abstractions.Providers;

/// <summary>Builds provider URL queries: each name and value percent-encoded once (RFC 3986, space as <c>%20</c>), so
/// neither can add a parameter of its own.</summary>
public static class UriQuery
{
    /// <summary>Appends <c>name=value</c>, preceded by <c>&amp;</c> unless the builder is empty or ends with <c>?</c>.</summary>
    public static StringBuilder Append(StringBuilder query, string name, string value)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Length > 0 && query[^1] != '?')
        {
            query.Append('&');
        }

        return query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
    }
}
