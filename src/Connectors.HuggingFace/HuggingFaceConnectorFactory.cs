using System.Diagnostics.Metrics;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Connectors.OAuth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Connectors.HuggingFace;

/// <summary>Creates <see cref="HuggingFaceConnector"/>s from Logto-format JSON configs. Registered by <c>AddHuggingFace</c>.</summary>
public sealed class HuggingFaceConnectorFactory : ConnectorFactory<HuggingFaceConfig>
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "huggingface-universal";

    /// <summary>The named <see cref="HttpClient"/> of Hugging Face calls.</summary>
    public const string HttpClientName = "Connectors.HuggingFace";

    internal const string ProviderName = "Hugging Face";

    internal static readonly ConnectorMetadata ConnectorMetadata = new(
        ConnectorId,
        "huggingface",
        ConnectorType.Social,
        "Hugging Face",
        "Hugging Face is a machine learning (ML) and data science platform and community that helps users build, deploy and train machine learning models.",
        [
            new FormItem("clientId", "Client ID", FormItemType.Text) { Required = true, Placeholder = "<client-id>" },
            new FormItem("clientSecret", "Client Secret", FormItemType.Text) { Required = true, Placeholder = "<client-secret>", IsConfidential = true },
            new FormItem("scope", "Scope", FormItemType.MultilineText)
            {
                Placeholder = "openid profile email",
                Description = "Scopes separated by spaces; default 'openid profile'. 'profile' gives the name and avatar, 'email' the email address. Each scope must be enabled on the Hugging Face OAuth app.",
            },
        ]);

    private readonly HuggingFaceOptions _options;
    private readonly ProviderHttpClient _http;
    private readonly OAuthEndpoints _endpoints;
    private readonly OpenIdMetadataCache _keys;

    /// <summary>Creates the factory (normally through DI).</summary>
    public HuggingFaceConnectorFactory(IHttpClientFactory httpClientFactory, IOptions<HuggingFaceOptions> options, TimeProvider time, ILoggerFactory loggerFactory, IMeterFactory? meterFactory = null)
        : base(loggerFactory?.CreateLogger<HuggingFaceConnector>(), meterFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _options = options.Value;
        _http = new ProviderHttpClient(ProviderName, httpClientFactory, HttpClientName, _options.Http, loggerFactory.CreateLogger<HuggingFaceConnector>(), time, meterFactory);
        _endpoints = HuggingFaceConnector.Endpoints(_options.BaseAddress);
        _keys = new OpenIdMetadataCache(_http);
    }

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata => ConnectorMetadata;

    /// <inheritdoc/>
    protected override HuggingFaceConfig? Parse(ConfigReader reader) => HuggingFaceConfig.Parse(reader);

    /// <inheritdoc/>
    protected override IConnector CreateConnector(HuggingFaceConfig config) =>
        new HuggingFaceConnector(config, new OAuthFlow(HuggingFaceConnector.Settings(config, _options), _endpoints, _http, _keys));
}
