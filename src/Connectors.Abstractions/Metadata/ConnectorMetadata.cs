using System.Text.Json;

namespace Connectors.Abstractions;

/// <summary>The kind of connector.</summary>
public enum ConnectorType
{
    /// <summary>Social sign-in.</summary>
    Social,

    /// <summary>Email sending.</summary>
    Email,
}

/// <summary>The type of a config form item (Logto's <c>ConnectorConfigFormItemType</c>).</summary>
public enum FormItemType
{
    /// <summary>Single-line text.</summary>
    Text,

    /// <summary>A number.</summary>
    Number,

    /// <summary>Multi-line text.</summary>
    MultilineText,

    /// <summary>A switch.</summary>
    Switch,

    /// <summary>One of a list.</summary>
    Select,

    /// <summary>Several of a list.</summary>
    MultiSelect,

    /// <summary>A JSON value.</summary>
    Json,
}

/// <summary>What a connector is and how its config form looks.</summary>
/// <param name="Id">The connector id, e.g. <c>wecom-universal</c>; also the key of its stored config.</param>
/// <param name="Target">The provider target, e.g. <c>wecom</c>.</param>
/// <param name="Type">Social or email.</param>
/// <param name="Name">Display name.</param>
/// <param name="Description">One-paragraph description.</param>
/// <param name="FormItems">The config form, one item per config field.</param>
public sealed record ConnectorMetadata(
    string Id,
    string Target,
    ConnectorType Type,
    string Name,
    string Description,
    IReadOnlyList<FormItem> FormItems);

/// <summary>One field of a connector's config form.</summary>
/// <param name="Key">The config property name.</param>
/// <param name="Label">The label shown to the person configuring the connector.</param>
/// <param name="Type">The input type.</param>
public sealed record FormItem(string Key, string Label, FormItemType Type)
{
    /// <summary>Whether the field must be set.</summary>
    public bool Required { get; init; }

    /// <summary>Placeholder text.</summary>
    public string? Placeholder { get; init; }

    /// <summary>Help text.</summary>
    public string? Description { get; init; }

    /// <summary>A default value for the form.</summary>
    public JsonElement? DefaultValue { get; init; }

    /// <summary>Whether the value is a secret (masked in forms, never logged).</summary>
    public bool IsConfidential { get; init; }

    /// <summary>Choices for <see cref="FormItemType.Select"/> and <see cref="FormItemType.MultiSelect"/>.</summary>
    public IReadOnlyList<SelectItem> SelectItems { get; init; } = [];
}

/// <summary>A choice of a select form item.</summary>
/// <param name="Value">The stored value.</param>
/// <param name="Title">The shown title.</param>
public sealed record SelectItem(string Value, string? Title = null);
