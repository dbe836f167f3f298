using System.Collections;
using Janus.Server.Hosting;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;

namespace Janus.Host.Cli;

/// <summary>
/// Says where a setting's value came from (<c>--port</c>, <c>JANUS_TCP__PORT</c>, a JSON file), so an error about it
/// points at the place to fix, in a configuration layered from files, the environment and the command line.
/// </summary>
internal sealed class SettingSources(IConfiguration configuration, IReadOnlyList<string> commandLine)
{
    /// <summary>The source of <paramref name="key"/>'s value, or null when it is not set (the default applies).</summary>
    public string? Describe(string key)
    {
        if (configuration is not IConfigurationRoot root)
        {
            return null;
        }

        // The last provider that has the key is the one whose value counts.
        foreach (IConfigurationProvider provider in root.Providers.Reverse())
        {
            if (!provider.TryGet(key, out _))
            {
                continue;
            }

            return provider switch
            {
                CommandLineConfigurationProvider => CommandLineSwitch(key),
                JsonConfigurationProvider json => json.Source.Path is { } path ? FullPath(json.Source, path) : "a JSON file",
                EnvironmentVariablesConfigurationProvider => "the environment variable " + key.Replace(":", "__", StringComparison.Ordinal),
                MemoryConfigurationProvider => JanusVariable(key) ?? "an in-memory source",
                _ => provider.ToString(),
            };
        }

        return null;
    }

    private string CommandLineSwitch(string key)
    {
        // The last switch on the line that sets the key: a short one (--port) or the long form.
        string found = "--" + key;
        for (int i = 0; i < commandLine.Count; i++)
        {
            string name = commandLine[i].Split('=')[0];
            if (JanusHostingExtensions.SwitchMappings.TryGetValue(name, out string? mapped) && string.Equals(mapped, key, StringComparison.OrdinalIgnoreCase))
            {
                found = name;
            }
            else if (string.Equals(name.TrimStart('-', '/'), key, StringComparison.OrdinalIgnoreCase))
            {
                found = "--" + key;
            }
        }

        return found;
    }

    private static string FullPath(Microsoft.Extensions.Configuration.FileConfigurationSource source, string path) =>
        source.FileProvider?.GetFileInfo(path).PhysicalPath ?? path;

    private static string? JanusVariable(string key)
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && JanusEnvironmentVariables.Read(new Hashtable { [name] = entry.Value }).Any(k => string.Equals(k.Key, key, StringComparison.OrdinalIgnoreCase)))
            {
                return "the environment variable " + name;
            }
        }

        return null;
    }
}
