foreach (var t in typeof(OpenIddict.Abstractions.OpenIddictConstants).GetNestedTypes())
{
    if (t.Name is "Permissions" or "Requirements" or "Settings" or "ClientTypes" or "ConsentTypes" or "ApplicationTypes" or "Prompts")
    {
        foreach (var n in t.GetNestedTypes().Append(t))
            Console.WriteLine(t.Name + "." + n.Name + ": " + string.Join(", ", n.GetFields().Select(f => f.Name + "=" + f.GetValue(null))));
    }
}
