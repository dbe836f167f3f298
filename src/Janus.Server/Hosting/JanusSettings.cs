using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using Janus.Server.Options;
using Microsoft.Extensions.Configuration;

namespace Janus.Server.Hosting;

/// <summary>
/// Every configuration key Janus binds, found by walking <see cref="JanusOptions"/>' bound properties (nested
/// options, lists and dictionaries included), so a new option is known the moment it is added. The executable uses it
/// to refuse a misspelt key (<c>Janus:Tcp:Prot</c> would otherwise be ignored in silence) with a suggestion, and to
/// name the key and the expected form of a value that does not convert, before the binder throws.
/// </summary>
public sealed class JanusSettings
{
    private readonly List<JanusSetting> _settings = [];
    private readonly HashSet<string> _sections = new(StringComparer.OrdinalIgnoreCase);
    private string _root = JanusOptions.SectionName;

    private JanusSettings()
    {
    }

    /// <summary>The settings of <see cref="JanusOptions"/>, under <c>Janus</c>.</summary>
    public static JanusSettings Default { get; } = Create();

    /// <summary>Every key that takes a value, in declaration order.</summary>
    public IReadOnlyList<JanusSetting> All => _settings;

    /// <summary>The setting <paramref name="key"/> names (case-insensitively, any index or dictionary key for <c>*</c>), or null.</summary>
    public JanusSetting? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (JanusSetting setting in _settings)
        {
            if (Matches(setting.Key, key))
            {
                return setting;
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="key"/> is a section (<c>Janus:Tcp</c>) rather than a setting.</summary>
    public bool IsSection(string key) => _sections.Contains(WithoutIndexes(key));

    /// <summary>The known key closest to <paramref name="key"/> (edit distance), or null when none is close.</summary>
    public string? Suggest(string key) =>
        Closest(key, _settings.Select(s => s.Key))?.Replace(":*", ":0", StringComparison.Ordinal);

    /// <summary>
    /// The candidate closest to <paramref name="word"/> by case-insensitive edit distance, when it is close enough to be
    /// a typo or the right name in the wrong place (at most 2 edits, or a quarter of the word); otherwise null.
    /// </summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = Distance(word, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best is not null && bestDistance <= Math.Max(2, word.Length / 4) ? best : null;
    }

    /// <summary>
    /// Checks every <c>Janus:*</c> key in <paramref name="configuration"/>: unknown keys (with a suggestion), values on a
    /// section, and values that do not convert to the setting's type. Returns one message per problem.
    /// </summary>
    /// <param name="configuration">The configuration to check.</param>
    /// <param name="sourceOf">Names where a key's value came from (<c>--port</c>, <c>JANUS_TCP__PORT</c>, a file), or null.</param>
    public IReadOnlyList<string> Check(IConfiguration configuration, Func<string, string?>? sourceOf = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        foreach ((string key, string? value) in configuration.GetSection(_root).AsEnumerable())
        {
            // An empty array or object in JSON ("ApiKeys": []) leaves its section with an empty value: nothing set.
            if (value is null || (value.Length == 0 && IsSection(key)))
            {
                continue;
            }

            string? source = sourceOf?.Invoke(key);
            string from = source is null ? "" : $" from {source}";
            JanusSetting? setting = Find(key);
            if (setting is null)
            {
                if (string.Equals(key, _root, StringComparison.OrdinalIgnoreCase) || IsSection(key))
                {
                    problems.Add($"{key} is a section, not a setting (got {Shown(key, value)}{from}): set one of its keys, e.g. {FirstUnder(key)}.");
                }
                else
                {
                    string? suggestion = Suggest(key);
                    problems.Add($"{key}{(source is null ? "" : $" (from {source})")} is not a Janus setting" + (suggestion is null ? "; janus --list-settings lists them." : $"; did you mean {suggestion}?"));
                }
            }
            else if (!Converts(setting.Type, value))
            {
                problems.Add($"{key} must be {setting.Expected} (got {Shown(key, value)}{from}).");
            }
        }

        return problems;
    }

    /// <summary>
    /// A value as a start-up error quotes it; not at all under a key that may hold a secret (API and signing keys,
    /// passwords, tokens), so that a misplaced secret (<c>Janus:Auth:SigningKeys:0=…</c>) never reaches stderr or a log.
    /// </summary>
    private static string Shown(string key, string value) =>
        key.Contains("key", StringComparison.OrdinalIgnoreCase) || key.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || key.Contains("password", StringComparison.OrdinalIgnoreCase) || key.Contains("token", StringComparison.OrdinalIgnoreCase)
            ? "a value, not shown: it may be a secret"
            : $"'{value}'";

    /// <summary>What a value of <paramref name="type"/> must look like, in words.</summary>
    public static string Describe(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            return "one of " + string.Join(", ", Enum.GetNames(type));
        }

        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => "true or false",
            TypeCode.Byte or TypeCode.SByte or TypeCode.Int16 or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 => "a whole number",
            TypeCode.Int64 or TypeCode.UInt64 => "a whole number",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.String => "text",
            _ when type == typeof(TimeSpan) => "a duration as [d.]hh:mm:ss[.fff], e.g. 00:00:30",
            _ => "a " + type.Name,
        };
    }

    private static bool Converts(Type type, string value)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            // The binder's enum converter: a name (any case) or a number.
            return Enum.TryParse(type, value, ignoreCase: true, out _);
        }

        CultureInfo invariant = CultureInfo.InvariantCulture;
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Boolean => bool.TryParse(value, out _),
            TypeCode.Byte => byte.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.SByte => sbyte.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.Int16 => short.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.UInt16 => ushort.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.Int32 => int.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.UInt32 => uint.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.Int64 => long.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.UInt64 => ulong.TryParse(value, NumberStyles.Integer, invariant, out _),
            TypeCode.Single or TypeCode.Double => double.TryParse(value, NumberStyles.Float, invariant, out _),
            TypeCode.Decimal => decimal.TryParse(value, NumberStyles.Number, invariant, out _),
            _ when type == typeof(TimeSpan) => TimeSpan.TryParse(value, invariant, out _),
            // Anything else (strings, URIs, types added later) is left to the binder, whose error the host reports.
            _ => true,
        };
    }

    private static JanusSettings Create() => For(JanusOptions.SectionName, typeof(JanusOptions), new JanusOptions());

    /// <summary>The settings of any options class under <paramref name="section"/> (tests use their own).</summary>
    internal static JanusSettings For(string section, Type type, object defaults)
    {
        var settings = new JanusSettings();
        settings._root = section;
        settings._sections.Add(section);
        settings.Walk(section, type, defaults);
        return settings;
    }

    // The options classes are kept whole for trimmed and native AOT builds by the host's ILLink descriptor
    // (src/Janus.Host/Properties/ILLink.Descriptors.xml roots the Janus.Server.Options namespace), so their property
    // metadata is there to walk even though the property types are only known at run time.
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Options types are rooted by the host's ILLink descriptor.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Options types are rooted by the host's ILLink descriptor.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Options types are rooted by the host's ILLink descriptor.")]
    private void Walk(string prefix, Type type, object? defaults)
    {
        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length != 0 || property.GetMethod is not { IsPublic: true })
            {
                continue;
            }

            Type propertyType = property.PropertyType;
            bool settable = property.SetMethod is { IsPublic: true };

            // The binder fills a get-only property only when it is an object or a collection it can add to.
            if (!settable && IsScalar(propertyType))
            {
                continue;
            }

            string name = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
            string key = prefix + ConfigurationPath.KeyDelimiter + name;
            object? value = defaults is null ? null : property.GetValue(defaults);
            Add(key, propertyType, value);
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "Options types are rooted by the host's ILLink descriptor.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "Options types are rooted by the host's ILLink descriptor.")]
    private void Add(string key, Type type, object? value)
    {
        if (IsScalar(type))
        {
            _settings.Add(new JanusSetting(key, type, Format(value)));
        }
        else if (ElementType(type) is { } element)
        {
            // A list index or a dictionary key: any name.
            _sections.Add(key);
            Add(key + ConfigurationPath.KeyDelimiter + "*", element, null);
        }
        else
        {
            _sections.Add(key);
            Walk(key, type, value);
        }
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(DateOnly) || type == typeof(TimeOnly)
            || type == typeof(Guid) || type == typeof(Uri) || type == typeof(byte[]) || type == typeof(Version);
    }

    /// <summary>The element type of an array, list, set or dictionary (its value type), or null for anything else.</summary>
    private static Type? ElementType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type) || !type.IsGenericType)
        {
            return null;
        }

        Type[] arguments = type.GetGenericArguments();
        return arguments.Length switch
        {
            1 => arguments[0],
            2 => arguments[1],
            _ => null,
        };
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private string FirstUnder(string section)
    {
        foreach (JanusSetting setting in _settings)
        {
            if (setting.Key.StartsWith(section + ConfigurationPath.KeyDelimiter, StringComparison.OrdinalIgnoreCase))
            {
                return setting.Key.Replace(":*", ":0", StringComparison.Ordinal);
            }
        }

        return section + ":…";
    }

    private static bool Matches(string pattern, string key)
    {
        string[] want = pattern.Split(ConfigurationPath.KeyDelimiter);
        string[] have = key.Split(ConfigurationPath.KeyDelimiter);
        if (want.Length != have.Length)
        {
            return false;
        }

        for (int i = 0; i < want.Length; i++)
        {
            if (want[i] != "*" && !string.Equals(want[i], have[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The section pattern of a key, with list indexes and dictionary keys under a known collection as <c>*</c>.</summary>
    private string WithoutIndexes(string key)
    {
        string[] parts = key.Split(ConfigurationPath.KeyDelimiter);
        string current = parts[0];
        for (int i = 1; i < parts.Length; i++)
        {
            string star = current + ConfigurationPath.KeyDelimiter + "*";
            current = _sections.Contains(star) || Find(star) is not null ? star : current + ConfigurationPath.KeyDelimiter + parts[i];
        }

        return current;
    }

    /// <summary>Levenshtein distance, case-insensitive.</summary>
    private static int Distance(string a, string b)
    {
        a = a.ToUpperInvariant();
        b = b.ToUpperInvariant();
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
