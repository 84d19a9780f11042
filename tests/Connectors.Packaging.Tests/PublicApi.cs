using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Connectors.Packaging.Tests;

/// <summary>An assembly's public surface as sorted text lines: every public type and its public or protected members,
/// with signatures. What PublicApiAnalyzers' PublicAPI.Shipped.txt records, made by reflection (the analyzer package
/// does not restore here).</summary>
internal static class PublicApi
{
    public static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            lines.Add(TypeLine(type));
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var members = new List<string>();
            foreach (var member in type.GetMembers(flags))
            {
                if (Describe(type, member) is { } text)
                {
                    members.Add("  " + text);
                }
            }

            members.Sort(StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return string.Join('\n', lines) + "\n";
    }

    private static string TypeLine(Type type)
    {
        var kind = type.IsEnum ? "enum" : type.IsInterface ? "interface" : type.IsValueType ? (type.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly struct" : "struct")
            : typeof(Delegate).IsAssignableFrom(type) ? "delegate"
            : type.IsAbstract && type.IsSealed ? "static class" : type.IsAbstract ? "abstract class" : type.IsSealed ? "sealed class" : "class";
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum) && !typeof(Delegate).IsAssignableFrom(type))
        {
            bases.Add(Name(baseType));
        }

        var inherited = type.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(type.GetInterfaces().Where(i => i.IsPublic && !inherited.Contains(i)).Select(Name).Order(StringComparer.Ordinal));
        return $"{kind} {Name(type)}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : string.Empty)}";
    }

    private static string? Describe(Type type, MemberInfo member)
    {
        switch (member)
        {
            case ConstructorInfo c when Visible(c):
                return $"{Access(c)}ctor({Parameters(c.GetParameters())})";
            case MethodInfo m when Visible(m) && !m.IsSpecialName:
                return $"{Access(m)}{(m.IsStatic ? "static " : string.Empty)}{Modifier(m)}{Name(m.ReturnType)} {m.Name}{Generics(m)}({Parameters(m.GetParameters())})";
            case MethodInfo m when Visible(m) && m.Name.StartsWith("op_", StringComparison.Ordinal):
                return $"{Access(m)}static {Name(m.ReturnType)} {m.Name}({Parameters(m.GetParameters())})";
            case PropertyInfo p when Accessors(p).Any(Visible):
                var accessors = string.Join(' ', Accessors(p).Where(Visible).Select(a => (a == p.GetMethod ? "get" : IsInitOnly(a) ? "init" : "set") + ";"));
                var first = Accessors(p).First(Visible);
                var indexer = p.GetIndexParameters() is { Length: > 0 } index ? $"this[{Parameters(index)}]" : p.Name;
                return $"{Access(first)}{(first.IsStatic ? "static " : string.Empty)}{Modifier(first)}{Name(p.PropertyType)} {indexer} {{ {accessors} }}";
            case FieldInfo f when (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && !f.IsSpecialName:
                if (type.IsEnum)
                {
                    return $"{f.Name} = {Convert.ToInt64(f.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}";
                }

                return $"{(f.IsPublic ? "public " : "protected ")}{(f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty)}{(f.IsInitOnly ? "readonly " : string.Empty)}{Name(f.FieldType)} {f.Name}{(f.IsLiteral ? " = " + Literal(f.GetRawConstantValue()) : string.Empty)}";
            case EventInfo e when e.AddMethod is { } add && Visible(add):
                return $"{Access(add)}event {Name(e.EventHandlerType!)} {e.Name}";
            default:
                return null;
        }
    }

    private static IEnumerable<MethodInfo> Accessors(PropertyInfo p) => new[] { p.GetMethod, p.SetMethod }.OfType<MethodInfo>();

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Access(MethodBase m) => m.IsPublic ? "public " : "protected ";

    private static string Modifier(MethodInfo m) =>
        m.DeclaringType!.IsInterface ? string.Empty
        : m.IsAbstract ? "abstract "
        : m.IsVirtual && !m.IsFinal ? (m.GetBaseDefinition() != m ? "override " : "virtual ")
        : m.IsVirtual && m.GetBaseDefinition() != m ? "sealed override "
        : string.Empty;

    private static bool IsInitOnly(MethodInfo setter) =>
        setter.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.FullName == "System.Runtime.CompilerServices.IsExternalInit");

    private static string Generics(MethodInfo m) => m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;

    private static string Parameters(ParameterInfo[] parameters) => string.Join(", ", parameters.Select(p =>
    {
        var type = p.ParameterType;
        var prefix = type.IsByRef ? (p.IsOut ? "out " : p.IsIn ? "in " : "ref ") : p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : string.Empty;
        var text = prefix + Name(type.IsByRef ? type.GetElementType()! : type) + " " + p.Name;
        return p.HasDefaultValue ? text + " = " + Literal(p.DefaultValue) : p.IsOptional ? text + " = default" : text;
    }));

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };

    /// <summary>A type as C# writes it: namespaces, generic arguments, nesting, arrays, nullable value types.</summary>
    public static string Name(Type type)
    {
        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (type.IsByRef || type.IsPointer)
        {
            return Name(type.GetElementType()!) + (type.IsPointer ? "*" : "&");
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        var builder = new StringBuilder();
        if (type.IsNested)
        {
            builder.Append(Name(type.DeclaringType!.IsGenericTypeDefinition ? type.DeclaringType : type.DeclaringType)).Append('.');
        }
        else if (!string.IsNullOrEmpty(type.Namespace))
        {
            builder.Append(type.Namespace).Append('.');
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        builder.Append(tick < 0 ? name : name[..tick]);
        if (type.IsGenericType)
        {
            var arguments = type.GetGenericArguments();
            var own = type.IsNested ? arguments.Skip(type.DeclaringType!.GetGenericArguments().Length) : arguments;
            if (own.Any())
            {
                builder.Append('<').AppendJoin(", ", own.Select(Name)).Append('>');
            }
        }

        return builder.ToString();
    }
}
