using Connectors.HuggingFace;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Hugging Face connector.</summary>
public static class HuggingFaceServiceCollectionExtensions
{
    /// <summary>Registers the <c>huggingface-universal</c> factory and its named <see cref="HttpClient"/>;
    /// <see cref="HuggingFaceOptions"/> are validated at host start. Safe to call more than once; each
    /// <paramref name="configure"/> is applied.</summary>
    public static ConnectorsBuilder AddHuggingFace(this ConnectorsBuilder builder, Action<HuggingFaceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<HuggingFaceConnectorFactory, HuggingFaceOptions>(HuggingFaceConnectorFactory.HttpClientName, configure);
        return builder;
    }
}
