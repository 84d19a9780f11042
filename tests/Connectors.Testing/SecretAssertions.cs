using Connectors.Abstractions;
using FluentAssertions;

namespace Connectors.Testing;

/// <summary>Checks that secrets appear nowhere a person could read them.</summary>
public static class SecretAssertions
{
    /// <summary>Every text an exception exposes: type, message, data and the chain of inner exceptions.</summary>
    public static IEnumerable<string> Texts(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e.ToString();
            yield return e.Message;
            foreach (System.Collections.DictionaryEntry entry in e.Data)
            {
                yield return $"{entry.Key}={entry.Value}";
            }

            if (e is ConnectorException ce)
            {
                yield return $"{ce.ProviderErrorCode} {string.Join(";", ce.ConfigErrors)}";
            }
        }
    }

    /// <summary>Asserts that none of <paramref name="secrets"/> occurs in <paramref name="texts"/>.</summary>
    public static void ShouldNotContainAny(this IEnumerable<string> texts, params string[] secrets)
    {
        var all = texts.ToList();
        foreach (var secret in secrets.Where(s => !string.IsNullOrEmpty(s)))
        {
            all.Should().NotContain(t => t.Contains(secret, StringComparison.Ordinal), $"the secret value '{secret}' must never be logged or shown");
        }
    }
}
