using System.Net.Sockets;
using System.Text.RegularExpressions;
using Janus.Server.Hosting;
using Janus.Server.Options;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Janus.Host.Cli;

/// <summary>
/// Builds, checks and runs the server for one command line, and turns every way it can fail into one line on stderr
/// and an exit code (<see cref="ExitCodes"/>), never a stack trace: a setting that is unknown, does not convert or does
/// not validate is named with its value and where it came from; a port in use is named with its setting.
/// </summary>
internal sealed partial class ServerRun(string[] configurationArgs, FileInfo? configFile, TextWriter output, TextWriter error)
{
    /// <summary>Builds the server and checks its configuration without listening.</summary>
    public async Task<int> CheckAsync()
    {
        (WebApplication? app, int exitCode) = await BuildAsync();
        if (app is null)
        {
            return exitCode;
        }

        await using (app)
        {
            await output.WriteLineAsync("janus: the configuration is good.");
            return ExitCodes.Success;
        }
    }

    /// <summary>Builds, checks and runs the server until SIGTERM or Ctrl-C.</summary>
    public async Task<int> RunAsync()
    {
        // Before anything listens: a native AOT build keeps the shell's soft limit (often 1024), the JIT raises it.
        OpenFileLimit.RaiseToHard();
        (WebApplication? app, int exitCode) = await BuildAsync();
        if (app is null)
        {
            return exitCode;
        }

        await using (app)
        {
            app.MapJanus();
            // Read now: a failed start disposes the host's services.
            JanusOptions options = app.Services.GetRequiredService<IOptions<JanusOptions>>().Value;
            IConfiguration configuration = app.Configuration;
            try
            {
                await app.RunAsync();
                return ExitCodes.Success;
            }
            catch (OptionsValidationException ex)
            {
                return await FailAsync(ExitCodes.Configuration, ex.Failures);
            }
            catch (Exception ex) when (BindFailure(ex) is { } reason)
            {
                return await FailAsync(ExitCodes.Runtime, [$"cannot listen on {Listener(ex, options, configuration)}: {reason}."]);
            }
            catch (Exception ex)
            {
                return await FailAsync(ExitCodes.Runtime, [$"stopped by an unexpected error: {ex.GetType().Name}: {ex.Message}"]);
            }
        }
    }

    private async Task<(WebApplication? App, int ExitCode)> BuildAsync()
    {
        WebApplicationBuilder builder;
        try
        {
            builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
            {
                Args = [],
                // appsettings.json beside the executable, wherever it is started from.
                ContentRootPath = AppContext.BaseDirectory,
            });
            if (configFile is not null)
            {
                if (!configFile.Exists)
                {
                    return (null, await FailAsync(ExitCodes.Configuration, [$"--config {configFile.FullName}: no such file."]));
                }

                builder.Configuration.AddJsonFile(configFile.FullName, optional: false, reloadOnChange: false);
            }
        }
        catch (InvalidDataException ex)
        {
            // A JSON file that does not parse: the provider's message names the file, the inner one the line.
            return (null, await FailAsync(ExitCodes.Configuration, [ex.InnerException is null ? ex.Message : $"{ex.Message} {ex.InnerException.Message}"]));
        }

        // Started by systemd (deploy/janus.service): tell it when the ports are bound and the server is ready
        // (Type=notify), and that it is stopping; log in the journal's format. Does nothing elsewhere.
        builder.Services.AddSystemd();

        // Kestrel's "Now listening on: http://…" (this category) would call the TCP protocol port HTTP: Janus logs
        // what each port speaks instead. And the host's own "Hosting failed to start" would print a failure to bind
        // twice, with a stack trace: RunAsync reports it in one line.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);

        InvalidOperationException? bindFailure = null;
        try
        {
            builder.AddJanus(configurationArgs);
        }
        catch (InvalidOperationException ex)
        {
            // The binder met a value it cannot convert; the check below names it with its source.
            bindFailure = ex;
        }

        var sources = new SettingSources(builder.Configuration, configurationArgs);
        IReadOnlyList<string> problems = JanusSettings.Default.Check(builder.Configuration, sources.Describe);
        if (problems.Count > 0)
        {
            return (null, await FailAsync(ExitCodes.Configuration, problems));
        }

        if (bindFailure is not null)
        {
            return (null, await FailAsync(ExitCodes.Configuration, [bindFailure.Message]));
        }

        WebApplication? app = null;
        try
        {
            // Build resolves the transports, which read the options: every validator runs here, or just below.
            app = builder.Build();
            _ = app.Services.GetRequiredService<IOptions<JanusOptions>>().Value;
            return (app, ExitCodes.Success);
        }
        catch (OptionsValidationException ex)
        {
            await DisposeAsync(app);
            return (null, await FailAsync(ExitCodes.Configuration, ex.Failures.Select(f => WithSource(f, sources))));
        }
        catch (InvalidOperationException ex)
        {
            await DisposeAsync(app);
            return (null, await FailAsync(ExitCodes.Configuration, [ex.Message]));
        }
    }

    private static async Task DisposeAsync(WebApplication? app)
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>Appends where the first key a validation message names was set, when that was not a default.</summary>
    private static string WithSource(string failure, SettingSources sources)
    {
        Match key = ConfigurationKey().Match(failure);
        if (!key.Success || sources.Describe(key.Value) is not { } source)
        {
            return failure;
        }

        // "… (got 70000)." reads best as "… (got 70000 from --port).".
        return failure.EndsWith(").", StringComparison.Ordinal) && failure.Contains("(got ", StringComparison.Ordinal)
            ? $"{failure[..^2]} from {source})."
            : $"{failure.TrimEnd('.')} (set by {source}).";
    }

    private static string? BindFailure(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AddressInUseException:
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return "the address is already in use (another janus, or another program, holds the port)";
                case SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
                case SocketException { SocketErrorCode: SocketError.AddressNotAvailable }:
                    return "the address is not one of this host's";
                default:
                    break;
            }
        }

        return null;
    }

    /// <summary>Names the listener a bind failure is about by the port in its message, with the setting that chose it.</summary>
    private string Listener(Exception ex, JanusOptions options, IConfiguration configuration)
    {
        var sources = new SettingSources(configuration, configurationArgs);
        string messages = "";
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            messages += " " + e.Message;
        }

        foreach (Match port in PortInMessage().Matches(messages))
        {
            int number = int.Parse(port.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            string? key = number == options.Tcp.Port ? "Janus:Tcp:Port" : number == options.Http.Port ? "Janus:Http:Port" : number == options.FlashPolicy.Port ? "Janus:FlashPolicy:Port"
                : number == options.Tls.TcpPort ? "Janus:Tls:TcpPort" : number == options.Tls.HttpsPort ? "Janus:Tls:HttpsPort" : null;
            if (key is not null)
            {
                string scheme = key switch
                {
                    "Janus:Http:Port" => "http",
                    "Janus:Tcp:Port" => "janus-tcp",
                    "Janus:Tls:TcpPort" => "janus-tcps",
                    "Janus:Tls:HttpsPort" => "https",
                    _ => "flash-policy",
                };
                string source = sources.Describe(key) is { } from ? $", set by {from}" : ", the default";
                return $"{scheme} port {number} ({key}{source})";
            }
        }

        return "a port";
    }

    private async Task<int> FailAsync(int exitCode, IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            await error.WriteLineAsync("janus: " + line);
        }

        await error.FlushAsync();
        return exitCode;
    }

    [GeneratedRegex(@"Janus(:[A-Za-z0-9_*]+)+")]
    private static partial Regex ConfigurationKey();

    [GeneratedRegex(@":(\d{1,5})\b")]
    private static partial Regex PortInMessage();
}
