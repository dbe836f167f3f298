using System.Collections;

namespace Janus.Server.Hosting;

/// <summary>
/// Maps <c>JANUS_</c> environment variables onto the <c>Janus</c> section: <c>JANUS_TCP__PORT=9000</c> becomes
/// <c>Janus:Tcp:Port</c> (a double underscore separates sections, as everywhere in .NET configuration).
/// </summary>
public static class JanusEnvironmentVariables
{
    /// <summary>The prefix.</summary>
    public const string Prefix = "JANUS_";

    /// <summary>Reads the process environment into configuration keys.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Read(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var result = new List<KeyValuePair<string, string?>>();
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) && name.Length > Prefix.Length)
            {
                string key = "Janus:" + name[Prefix.Length..].Replace("__", ":", StringComparison.Ordinal);
                result.Add(new KeyValuePair<string, string?>(key, entry.Value as string));
            }
        }

        return result;
    }
}
