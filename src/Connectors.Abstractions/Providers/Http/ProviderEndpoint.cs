namespace Connectors.Abstractions.Providers;

/// <summary>Provider endpoint addresses built one way: a base address and a relative path.</summary>
public static class ProviderEndpoint
{
    /// <summary>
    /// Appends <paramref name="relativePath"/> to <paramref name="baseAddress"/>, keeping the base's path whether or not
    /// it ends with a slash: <c>https://host/hf</c> + <c>oauth/token</c> is <c>https://host/hf/oauth/token</c> (where
    /// <c>new Uri(base, relative)</c> would drop <c>hf</c>). The base's query and fragment are not kept.
    /// </summary>
    /// <exception cref="ArgumentException">When <paramref name="baseAddress"/> is not absolute.</exception>
    public static Uri Combine(Uri baseAddress, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(relativePath);
        if (!baseAddress.IsAbsoluteUri)
        {
            throw new ArgumentException("The base address must be absolute.", nameof(baseAddress));
        }

        return new Uri(baseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + relativePath.TrimStart('/'));
    }
}
