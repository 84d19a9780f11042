using System.Text.Json;
using System.Text.Json.Nodes;

namespace Connectors.SampleHost;

/// <summary>Turns a configuration section (appsettings, environment variables, user secrets) into the Logto-format
/// JSON a connector factory takes, the way a multi-tenant server would read a stored config.</summary>
internal static class ConnectorConfiguration
{
    public static JsonElement ToJson(IConfigurationSection section)
    {
        using var document = JsonDocument.Parse(ToNode(section).ToJsonString());
        return document.RootElement.Clone();
    }

    private static JsonNode ToNode(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count == 0)
        {
            return JsonValue.Create(section.Value ?? string.Empty);
        }

        var obj = new JsonObject();
        foreach (var child in children)
        {
            obj[child.Key] = ToNode(child);
        }

        return obj;
    }
}
