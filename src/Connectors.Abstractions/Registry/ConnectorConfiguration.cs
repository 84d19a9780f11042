using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Connectors.Abstractions;

/// <summary>A configuration section (appsettings, environment variables, a vault) as the Logto-format JSON a
/// connector factory takes (<c>Connectors:WeCom:corpId</c> becomes <c>"corpId"</c>). Every value is a string, as
/// configuration holds them, and the factories accept strings where Logto's configs have numbers or booleans; children
/// named 0, 1, 2... (how configuration stores a JSON array) become an array, and a key without a value (how a JSON file's
/// <c>{}</c> and <c>null</c> are stored, e.g. <c>"customConfig": {}</c>) becomes <c>null</c>, which every connector reads
/// as a field not given.</summary>
public static class ConnectorConfiguration
{
    /// <summary>The section as a JSON object (children as properties; a section without children as its string value,
    /// or null when it has no value either).</summary>
    public static JsonElement ToJson(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        using var document = JsonDocument.Parse(ToNode(section)?.ToJsonString() ?? "null");
        return document.RootElement.Clone();
    }

    private static JsonNode? ToNode(IConfiguration section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            // A JSON file's {} and null are both kept as a key without a value: nothing was given.
            return (section as IConfigurationSection)?.Value is { } value ? JsonValue.Create(value) : null;
        }

        // Configuration keeps a JSON array as children "0", "1", ...: it becomes an array again.
        if (children.Select((c, i) => c.Key == i.ToString(System.Globalization.CultureInfo.InvariantCulture)).All(x => x))
        {
            var array = new JsonArray();
            foreach (var child in children) // configuration orders numeric keys numerically
            {
                array.Add(ToNode(child));
            }

            return array;
        }

        var obj = new JsonObject();
        foreach (var child in children)
        {
            obj[child.Key] = ToNode(child);
        }

        return obj;
    }
}
