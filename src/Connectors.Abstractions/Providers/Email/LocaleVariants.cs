namespace Connectors.Abstractions.Providers;

/// <summary>The choice of a localized variant (a template per language tag), the same for every email connector.</summary>
public static class LocaleVariants
{
    /// <summary>
    /// The variant for <paramref name="locale"/> (else the first tag of <paramref name="uiLocales"/>): the exact tag,
    /// then the language alone (<c>zh</c> for <c>zh-TW</c>); null when neither is there. Keys compare as the
    /// dictionary's comparer says (case-insensitive for config keys).
    /// </summary>
    public static T? Pick<T>(IReadOnlyDictionary<string, T> variants, string? locale, string? uiLocales = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(variants);
        var tag = locale ?? uiLocales?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(tag) || variants.Count == 0)
        {
            return null;
        }

        if (variants.TryGetValue(tag, out var exact))
        {
            return exact;
        }

        var dash = tag.IndexOfAny(['-', '_']);
        return dash > 0 && variants.TryGetValue(tag[..dash], out var language) ? language : null;
    }
}
