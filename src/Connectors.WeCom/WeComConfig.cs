using Connectors.Abstractions;
using Connectors.Abstractions.Providers;

namespace Connectors.WeCom;

/// <summary>A WeCom connector config, with Logto's field names (<c>corpId</c>, <c>agentId</c>, <c>secret</c> or
/// Logto's <c>appSecret</c>, <c>scope</c>).</summary>
/// <param name="CorpId">The CorpID (企业ID).</param>
/// <param name="AgentId">The app's AgentId (digits).</param>
/// <param name="Secret">The app's secret.</param>
/// <param name="Scope">The configured scope, or null for the default <c>snsapi_base</c>.</param>
public sealed record WeComConfig(string CorpId, string AgentId, Secret Secret, string? Scope)
{
    internal static WeComConfig? Parse(ConfigReader reader)
    {
        var corpId = reader.RequiredString("corpId");
        var agentId = ReadAgentId(reader);
        var errors = reader.Errors.Count;
        var secret = reader.OptionalString("secret");
        var appSecret = reader.OptionalString("appSecret");
        if (secret is null && appSecret is null && reader.Errors.Count == errors) // a value of the wrong kind is already reported
        {
            reader.AddError("secret", "is required (Logto's name 'appSecret' is accepted too)");
        }
        else if (secret is not null && appSecret is not null && !string.Equals(secret, appSecret, StringComparison.Ordinal))
        {
            reader.AddError("appSecret", "differs from 'secret'; give the app secret once, under either name");
        }

        var scope = reader.OptionalString("scope");
        return corpId is null || agentId is null || (secret ?? appSecret) is not { } value
            ? null
            : new WeComConfig(corpId, agentId, new Secret(value), scope?.Trim());
    }

    private static string? ReadAgentId(ConfigReader reader)
    {
        // Logto stores it as a string; a number typed into a JSON config is accepted as well.
        if (reader.TryGetField(reader.Root, "agentId", "agentId", out var raw) && raw.ValueKind == System.Text.Json.JsonValueKind.Number)
        {
            return raw.TryGetInt64(out var number) && number >= 0
                ? number.ToString(System.Globalization.CultureInfo.InvariantCulture)
                : Fail(reader);
        }

        var agentId = reader.RequiredString("agentId")?.Trim();
        return agentId is null || agentId.All(char.IsAsciiDigit) ? agentId : Fail(reader);

        static string? Fail(ConfigReader reader)
        {
            reader.AddError("agentId", "must contain only digits (the AgentId shown on the app's page in the WeCom admin console)");
            return null;
        }
    }
}
