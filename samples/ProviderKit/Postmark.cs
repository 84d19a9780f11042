using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Connectors.Abstractions;
using Connectors.Abstractions.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ProviderKit;

/// <summary>Postmark's host-level settings.</summary>
public sealed class PostmarkOptions : ProviderOptions
{
    /// <summary>The API; default <c>https://api.postmarkapp.com</c>. It receives the server token.</summary>
    public Uri BaseAddress { get; set; } = new("https://api.postmarkapp.com");
}

/// <summary>A Postmark config: a server token, a sender and Logto's template list (or Postmark template aliases).</summary>
/// <param name="ServerToken">The server API token (prints as <c>***</c>).</param>
/// <param name="From">The sender.</param>
/// <param name="Templates">The deliveries by usage type.</param>
public sealed record PostmarkConfig(Secret ServerToken, string From, EmailDeliveries Templates)
{
    /// <summary>Postmark's words: a stored template is a <c>templateAlias</c>; what a refusal means.</summary>
    public static readonly EmailDeliveryFields Fields = new("Postmark")
    {
        TemplateId = "templateAlias",
        StoredTemplate = "a Postmark template",
        TemplatesMayBeStored = true,
        CredentialsHint = "check the server token",
    };
}

/// <summary>Creates Postmark email connectors: reads the config; everything else is the engine's.</summary>
public sealed class PostmarkConnectorFactory(ProviderServices services, IOptions<PostmarkOptions> options)
    : ProviderConnectorFactory<PostmarkConfig, PostmarkOptions>(services, options, "Postmark", HttpClientName)
{
    /// <summary>The connector id, also the key of its stored config.</summary>
    public const string ConnectorId = "postmark";

    /// <summary>The named <see cref="HttpClient"/> of Postmark calls.</summary>
    public const string HttpClientName = "ProviderKit.Postmark";

    /// <inheritdoc/>
    public override ConnectorMetadata Metadata { get; } = new(
        ConnectorId, "postmark", ConnectorType.Email, "Postmark", "Verification codes through Postmark.",
        [
            new FormItem("serverToken", "Server Token", FormItemType.Text) { Required = true, IsConfidential = true },
            new FormItem("fromEmail", "From Email", FormItemType.Text) { Required = true },
            new FormItem("templates", "Templates", FormItemType.Json) { Required = true, DefaultValue = EmailDeliveries.Defaults(PostmarkConfig.Fields, asTemplateList: true) },
        ]);

    /// <inheritdoc/>
    protected override PostmarkConfig? Parse(ConfigReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var token = reader.RequiredString("serverToken");
        var from = EmailAddress.ReadMailbox(reader, "fromEmail", required: true);
        var templates = EmailDeliveries.ReadTemplates(reader, PostmarkConfig.Fields);
        return token is null || from is null || templates is null ? null : new PostmarkConfig(new Secret(token), from, templates);
    }

    /// <inheritdoc/>
    protected override IConnector CreateConnector(PostmarkConfig config) => new PostmarkEmailConnector(config, Options, Metadata, Http);
}

/// <summary>One send: compose (recipient, delivery, locale, rendering), then one POST that is never repeated; a 2xx is sent.</summary>
internal sealed class PostmarkEmailConnector(PostmarkConfig config, PostmarkOptions options, ConnectorMetadata metadata, ProviderHttpClient http) : IEmailConnector
{
    public ConnectorMetadata Metadata => metadata;

    public async Task<EmailSendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken = default)
    {
        var email = EmailComposer.Compose(message, config.Templates, PostmarkConfig.Fields, http);
        var body = new JsonObject { ["From"] = config.From, ["To"] = email.To, ["MessageStream"] = "outbound" };
        if (email.ReplyTo is { } replyTo)
        {
            body["ReplyTo"] = replyTo;
        }

        if (email.TemplateId is { } alias)
        {
            (body["TemplateAlias"], body["TemplateModel"]) = (alias, JsonObject.Create(email.TemplateData!.Value));
        }
        else
        {
            (body["Subject"], body["HtmlBody"], body["TextBody"]) = (email.Subject, email.Html, email.Text);
        }

        var response = await http.SendAsync(
            new ProviderRequest("send", HttpMethod.Post, ProviderEndpoint.Combine(options.BaseAddress, email.TemplateId is null ? "email" : "email/withTemplate"), RequestSafety.Unsafe)
            {
                Headers = [new("X-Postmark-Server-Token", config.ServerToken.Reveal()), new("Accept", "application/json")],
                Content = () => JsonContent.Create(body, JsonContext.Default.JsonObject),
                Inspect = r => EmailComposer.ReadFailure(r, PostmarkConfig.Fields, r.TryGetJson(out var json) ? SafeText.FromProvider(json.GetStringOrNull("Message")) ?? "no message" : "no message", http.TimeProvider),
                Secrets = [config.ServerToken.Reveal(), message.Payload.Code ?? string.Empty],
                AcceptAnySuccessBody = true,
            },
            cancellationToken).ConfigureAwait(false);
        return new EmailSendResult(response.TryGetJson(out var sent) ? sent.GetStringOrNull("MessageID") : null);
    }
}

/// <summary>Registers the Postmark connector.</summary>
public static class PostmarkServiceCollectionExtensions
{
    /// <summary>Registers the <c>postmark</c> factory; <see cref="PostmarkOptions"/> are validated at host start.</summary>
    public static ConnectorsBuilder AddPostmark(this ConnectorsBuilder builder, Action<PostmarkOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddProvider<PostmarkConnectorFactory, PostmarkOptions>(PostmarkConnectorFactory.HttpClientName, configure);
        return builder;
    }
}

/// <summary>Source-generated JSON for the request body (no reflection: trimming and Native AOT stay safe).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class JsonContext : System.Text.Json.Serialization.JsonSerializerContext;
