using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Connectors.AspNetCore;

/// <summary>A configuration section (appsettings, environment variables, a vault) as the Logto-format JSON a
/// connector factory takes. Every value is a string, as configuration holds them; the factories accept strings where
/// Logto's configs have them.</summary>
public static class ConnectorConfiguration
{
    /// <summary>The section as a JSON object (children as properties; a section without children as its string value).</summary>
    public static JsonElement ToJson(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        using var document = JsonDocument.Parse(ToNode(section).ToJsonString());
        return document.RootElement.Clone();
    }

    private static JsonNode ToNode(IConfiguration section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return JsonValue.Create((section as IConfigurationSection)?.Value ?? string.Empty);
        }

        var obj = new JsonObject();
        foreach (var child in children)
        {
            obj[child.Key] = ToNode(child);
        }

        return obj;
    }
}
