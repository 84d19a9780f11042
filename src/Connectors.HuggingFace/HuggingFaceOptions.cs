using Connectors.Abstractions.Providers;

namespace Connectors.HuggingFace;

/// <summary>Host-level Hugging Face settings (not part of a tenant's config).</summary>
public sealed class HuggingFaceOptions : ProviderOptions
{
    /// <summary>The Hub address: <c>/oauth/authorize</c>, <c>/oauth/token</c> and <c>/oauth/userinfo</c> live under it,
    /// and it is the expected ID token issuer. Default <c>https://huggingface.co</c>.</summary>
    public Uri BaseAddress { get; set; } = new("https://huggingface.co");

    /// <summary>Organisation ids sent as <c>orgIds</c> to request access to those organisations; none by default.</summary>
    public IList<string> OrgIds { get; } = new List<string>();

    /// <inheritdoc/>
    protected override void Validate(string name, ICollection<string> problems)
    {
        OptionsChecks.AbsoluteUri(BaseAddress, $"{name}.BaseAddress", problems, carriesCredentials: true);
        base.Validate(name, problems);
    }
}
