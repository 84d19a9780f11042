using Connectors.Abstractions;

namespace Connectors.HuggingFace;

/// <summary>Host-level Hugging Face settings (not part of a tenant's config).</summary>
public sealed class HuggingFaceOptions
{
    /// <summary>The Hub address: <c>/oauth/authorize</c>, <c>/oauth/token</c> and <c>/oauth/userinfo</c> live under it,
    /// and it is the expected ID token issuer. Default <c>https://huggingface.co</c>.</summary>
    public Uri BaseAddress { get; set; } = new("https://huggingface.co");

    /// <summary>Organisation ids sent as <c>orgIds</c> to request access to those organisations; none by default.</summary>
    public IList<string> OrgIds { get; } = new List<string>();

    /// <summary>Timeouts, retries and the response size cap. The token exchange is never retried once sent.</summary>
    public ConnectorHttpOptions Http { get; set; } = new();
}
