using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Reflection;
using Janus.Server.Hosting;

namespace Janus.Host.Cli;

/// <summary>
/// The <c>janus</c> command line, parsed by System.CommandLine: the short switches of
/// <see cref="JanusHostingExtensions.SwitchMappings"/>, a few switches of the executable's own, <c>--help</c> and
/// <c>--version</c>. Any setting can also be given as <c>--Janus:Section:Key=value</c> (or <c>--Logging:…</c>): those
/// tokens are handed to Microsoft.Extensions.Configuration's command-line provider as before, and everything else that
/// System.CommandLine does not know is refused with a suggestion.
/// </summary>
internal static class JanusCommandLine
{
    /// <summary>Prefixes of the configuration keys accepted as <c>--Key=value</c> on the command line.</summary>
    private static readonly string[] ConfigurationPrefixes = ["Janus:", "Logging:"];

    /// <summary>What each short switch sets, for the help; a switch added to the mappings without one is still listed.</summary>
    private static readonly Dictionary<string, string> SwitchHelp = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Janus:Tcp:Port"] = "The TCP protocol port (Janus:Tcp:Port)",
        ["Janus:Http:Port"] = "The HTTP port: WebSocket at /ws, API, metrics, dashboard (Janus:Http:Port)",
        ["Janus:Tcp:Address"] = "The address the TCP protocol port binds, an IP or * (Janus:Tcp:Address)",
        ["Janus:Http:Address"] = "The address the HTTP port binds, an IP or * (Janus:Http:Address)",
    };

    /// <summary>The settings the help lists with their defaults (all of them: <c>--list-settings</c>).</summary>
    private static readonly string[] MostUsedSettings =
    [
        "Janus:Tcp:Port", "Janus:Http:Port", "Janus:Tcp:Address", "Janus:Http:Address", "Janus:Security:TrustedNetworks",
        "Janus:Limits:MaxQueueBytes", "Janus:Limits:ExpectedConnections", "Janus:Heartbeat:Interval", "Janus:Shutdown:DrainTimeout",
        "Janus:Cluster:Redis",
    ];

    /// <summary>Parses <paramref name="args"/> and runs what they ask for; returns the process exit code (<see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        RootCommand root = Build(output, out Switches switches);
        ParseResult result = root.Parse(args);
        if (result.Action is InformationAction)
        {
            return result.Invoke(new InvocationConfiguration { Output = output, Error = error });
        }

        if (result.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError parseError in result.Errors)
            {
                await error.WriteLineAsync($"janus: {parseError.Message}");
            }

            return ExitCodes.Configuration;
        }

        var configurationArgs = new List<string>();
        if (!TakeConfigurationTokens(result.UnmatchedTokens, root, configurationArgs, out string? refusal))
        {
            await error.WriteLineAsync("janus: " + refusal);
            return ExitCodes.Configuration;
        }

        // The short switches after the --Janus: tokens, so a switch wins over the long form of the same key.
        foreach ((Option<string> option, string _) in switches.Settings)
        {
            if (result.GetResult(option) is not null && result.GetValue(option) is { } value)
            {
                configurationArgs.Add(option.Name);
                configurationArgs.Add(value);
            }
        }

        var run = new ServerRun(configurationArgs.ToArray(), result.GetValue(switches.Config), output, error);
        return result.GetValue(switches.Check) ? await run.CheckAsync() : await run.RunAsync();
    }

    private static RootCommand Build(TextWriter output, out Switches switches)
    {
        var root = new RootCommand("janus: the Janus pub/sub push server (TCP protocol, WebSocket, HTTP API).")
        {
            // --Janus:Section:Key=value tokens are unknown to the parser; they are sorted out in TakeConfigurationTokens.
            TreatUnmatchedTokensAsErrors = false,
        };

        var settings = new List<(Option<string>, string)>();
        foreach (IGrouping<string, string> names in JanusHostingExtensions.SwitchMappings.GroupBy(m => m.Value, m => m.Key, StringComparer.OrdinalIgnoreCase))
        {
            string key = names.Key;
            string[] aliases = names.Skip(1).ToArray();
            string? defaultValue = JanusSettings.Default.Find(key)?.Default;
            var option = new Option<string>(names.First(), aliases)
            {
                Description = (SwitchHelp.TryGetValue(key, out string? text) ? text : $"Sets {key}") + (defaultValue is null ? "" : $". Default: {defaultValue}"),
                HelpName = key.EndsWith("Port", StringComparison.OrdinalIgnoreCase) ? "port" : key.EndsWith("Address", StringComparison.OrdinalIgnoreCase) ? "address" : "value",
            };
            root.Options.Add(option);
            settings.Add((option, key));
        }

        var config = new Option<FileInfo>("--config")
        {
            Description = "A JSON settings file read after appsettings.json, e.g. /etc/janus/janus.json",
            HelpName = "file",
        };
        var check = new Option<bool>("--check") { Description = "Check the configuration and exit: 0 when it is good, 2 with one line per problem" };
        var listSettings = new Option<bool>("--list-settings") { Description = "Print every setting with its default and exit", Action = new InformationAction(output, WriteSettings) };
        root.Options.Add(config);
        root.Options.Add(check);
        root.Options.Add(listSettings);
        foreach (Option option in root.Options)
        {
            if (option is HelpOption help)
            {
                help.Action = new InformationAction(output, writer => WriteHelp(writer, root));
            }
            else if (option is VersionOption version)
            {
                version.Description = "Print the version and the git commit it was built from, and exit";
                version.Action = new InformationAction(output, WriteVersion);
            }
        }

        switches = new Switches(settings, config, check);
        return root;
    }

    /// <summary>
    /// Sorts the tokens System.CommandLine did not match: <c>--Janus:…</c> and <c>--Logging:…</c> settings (with
    /// <c>=value</c> or the value as the next token) go to the configuration; anything else is refused.
    /// </summary>
    private static bool TakeConfigurationTokens(IReadOnlyList<string> tokens, RootCommand root, List<string> into, out string? refusal)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            string name = token.TrimStart('-', '/');
            int equals = name.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? name : name[..equals];
            bool isSwitch = token.StartsWith('-') || token.StartsWith('/');
            if (ConfigurationPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                if (equals >= 0)
                {
                    into.Add("--" + name);
                }
                else if (isSwitch && i + 1 < tokens.Count && !tokens[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    into.Add("--" + key);
                    into.Add(tokens[++i]);
                }
                else
                {
                    refusal = $"{token} needs a value: --{key}=value.";
                    return false;
                }

                continue;
            }

            refusal = isSwitch ? UnknownSwitch(token, key, root) : $"unexpected argument '{token}': settings are given as --Janus:Section:Key=value (janus --help).";
            return false;
        }

        refusal = null;
        return true;
    }

    private static string UnknownSwitch(string token, string key, RootCommand root)
    {
        string? suggestion = key.Contains(':', StringComparison.Ordinal)
            ? JanusSettings.Default.Suggest("Janus:" + key) is { } setting ? "--" + setting : null
            : JanusSettings.Closest(token.Split('=')[0], root.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal)));
        return $"unknown switch '{token}'" + (suggestion is null ? "; janus --help lists the switches." : $"; did you mean {suggestion}?");
    }

    private static void WriteHelp(TextWriter writer, RootCommand root)
    {
        writer.WriteLine(root.Description);
        writer.WriteLine();
        writer.WriteLine("Usage: janus [switches] [--Janus:Section:Key=value ...]");
        writer.WriteLine();
        writer.WriteLine("Switches:");
        var rows = new List<(string Left, string Right)>();
        foreach (Option option in root.Options)
        {
            if (option.Hidden)
            {
                continue;
            }

            string names = string.Join(", ", option.Aliases.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).Order(StringComparer.Ordinal)
                .Concat([option.Name]).Concat(option.Aliases.Where(a => a.StartsWith("--", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));
            string value = option.HelpName is { } helpName ? $" <{helpName}>" : "";
            rows.Add((names + value, option.Description ?? ""));
        }

        WriteRows(writer, rows);
        writer.WriteLine();
        writer.WriteLine("Most used settings, with their defaults. Every setting can be given as --Janus:Section:Key=value,");
        writer.WriteLine("as the environment variable JANUS_SECTION__KEY=value, or in appsettings.json; janus --list-settings lists all:");
        WriteRows(writer, MostUsedSettings.Select(JanusSettings.Default.Find).OfType<JanusSetting>().Select(s => (s.Key, s.Default ?? "(none)")).ToList());
        writer.WriteLine();
        writer.WriteLine("Exit codes: 0 stopped cleanly, 1 failed while starting or running (e.g. a port in use),");
        writer.WriteLine("2 a bad switch or setting. Documentation: docs/configuration.md and docs/deploy.md.");
    }

    private static void WriteSettings(TextWriter writer)
    {
        writer.WriteLine("Every Janus setting, with its default (docs/configuration.md explains each):");
        WriteRows(writer, JanusSettings.Default.All.Select(s => (s.Key, s.Default is null ? $"(none; {s.Expected})" : s.Default)).ToList());
    }

    private static void WriteVersion(TextWriter writer)
    {
        string version = typeof(JanusCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        string number = plus < 0 ? version : version[..plus];
        string commit = plus < 0 ? "unknown" : version[(plus + 1)..];
        string runtime = System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported ? "JIT" : "native AOT";
        writer.WriteLine($"janus {number} (commit {commit}, .NET {Environment.Version}, {runtime})");
    }

    private static void WriteRows(TextWriter writer, IReadOnlyList<(string Left, string Right)> rows)
    {
        int width = rows.Count == 0 ? 0 : rows.Max(r => r.Left.Length) + 2;
        foreach ((string left, string right) in rows)
        {
            writer.WriteLine("  " + left.PadRight(width) + right);
        }
    }

    /// <summary>The switches <see cref="RunAsync"/> reads after parsing.</summary>
    private sealed record Switches(IReadOnlyList<(Option<string> Option, string Key)> Settings, Option<FileInfo> Config, Option<bool> Check);

    /// <summary>An action that prints something (help, version, the settings) and exits 0, whatever else is on the line.</summary>
    private sealed class InformationAction(TextWriter output, Action<TextWriter> write) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            write(output);
            output.Flush();
            return ExitCodes.Success;
        }
    }
}
