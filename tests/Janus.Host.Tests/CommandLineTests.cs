using System.Net;
using System.Net.Sockets;
using Janus.Server.Hosting;

namespace Janus.Host.Tests;

/// <summary>
/// The <c>janus</c> command line as an operator meets it, the executable run as a process: each way of getting it
/// wrong gives one line on stderr and exit code 2 (configuration) or 1 (runtime), never a stack trace or SIGABRT.
/// Named after the rows of issue 13's table.
/// </summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "--port", "abc" }, "janus: Janus:Tcp:Port must be a whole number (got 'abc' from --port).")]
    [InlineData(new[] { "--port", "70000" }, "janus: Janus:Tcp:Port must be between 0 and 65535 (got 70000 from --port).")]
    [InlineData(new[] { "--bind", "nowhere" }, "janus: Janus:Tcp:Address must be an IP address or '*' (got 'nowhere' from --bind).")]
    [InlineData(new[] { "--http-port=-1" }, "janus: Janus:Http:Port must be between 0 and 65535 (got -1 from --http-port).")]
    [InlineData(new[] { "--Janus:Heartbeat:Interval=soon" }, "janus: Janus:Heartbeat:Interval must be a duration as [d.]hh:mm:ss[.fff], e.g. 00:00:30 (got 'soon' from --Janus:Heartbeat:Interval).")]
    [InlineData(new[] { "--Janus:Tcp:Transport", "carrier-pigeon" }, "janus: Janus:Tcp:Transport must be one of Epoll, Sockets (got 'carrier-pigeon' from --Janus:Tcp:Transport).")]
    [InlineData(new[] { "--Janus:Limits:MaxQueueBytes=10" }, "janus: Janus:Limits:MaxQueueBytes must be at least 4096 (got 10 from --Janus:Limits:MaxQueueBytes).")]
    public async Task A_bad_value_is_one_line_naming_the_key_the_value_and_what_is_allowed_and_exit_code_2(string[] args, string firstLine)
    {
        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Equal(firstLine, error.FirstOrDefault());
        Assert.Single(error);
    }

    [Fact]
    public async Task Every_bad_setting_gets_its_own_line()
    {
        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync("--bind", "nowhere", "--Janus:Limits:MaxQueueBytes=10");

        Assert.Equal(2, exitCode);
        Assert.Equal(2, error.Length);
        Assert.All(error, line => Assert.StartsWith("janus: Janus:", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_switch_is_refused()
    {
        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync("--frobnicate", "3");

        Assert.Equal(2, exitCode);
        Assert.Equal(["janus: unknown switch '--frobnicate'; janus --help lists the switches."], error);
    }

    [Theory]
    [InlineData("--prot", "janus: unknown switch '--prot'; did you mean --port?")]
    [InlineData("--http-prot", "janus: unknown switch '--http-prot'; did you mean --http-port?")]
    [InlineData("--Tcp:Port=9000", "janus: unknown switch '--Tcp:Port=9000'; did you mean --Janus:Tcp:Port?")]
    public async Task A_misspelt_switch_gets_a_suggestion(string token, string firstLine)
    {
        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync(token, "9000");

        Assert.Equal(2, exitCode);
        Assert.Equal(firstLine, error.FirstOrDefault());
    }

    [Fact]
    public async Task An_unknown_Janus_key_on_the_command_line_is_refused_with_a_suggestion()
    {
        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync("--Janus:Tcp:Prot=9000");

        Assert.Equal(2, exitCode);
        Assert.Equal(["janus: Janus:Tcp:Prot (from --Janus:Tcp:Prot) is not a Janus setting; did you mean Janus:Tcp:Port?"], error);
    }

    [Fact]
    public async Task A_misplaced_secret_is_refused_without_being_printed()
    {
        // SigningKeys:0 is a section (its keys are Secret, PublicKeyFile, Id): the value given to it is a secret in the
        // wrong place, and the error names the key but never shows the value.
        const string Secret = "c2VjcmV0LXNpZ25pbmcta2V5LW5ldmVyLXByaW50ZWQtYW55d2hlcmU=";
        (int exitCode, string[] output, string[] error) = await JanusProcess.RunAsync("--check", "--Janus:Auth:SigningKeys:0=" + Secret);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("janus: Janus:Auth:SigningKeys:0 is a section, not a setting (got a value, not shown: it may be a secret", error[0], StringComparison.Ordinal);
        Assert.DoesNotContain(output.Concat(error), line => line.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_JANUS_variable_is_refused_with_a_suggestion()
    {
        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync([], new Dictionary<string, string> { ["JANUS_LIMITS__MAXQUEUEBYTE"] = "65536" });

        Assert.Equal(2, exitCode);
        Assert.Equal(["janus: Janus:LIMITS:MAXQUEUEBYTE (from the environment variable JANUS_LIMITS__MAXQUEUEBYTE) is not a Janus setting; did you mean Janus:Limits:MaxQueueBytes?"], error);
    }

    [Fact]
    public async Task An_unknown_key_in_a_settings_file_is_refused_naming_the_file()
    {
        string file = Path.Combine(Directory.CreateTempSubdirectory("janus-cli-").FullName, "janus.json");
        await File.WriteAllTextAsync(file, """{ "Janus": { "Heartbeat": { "Intervall": "00:00:10" } } }""");

        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync("--config", file);

        Assert.Equal(2, exitCode);
        Assert.Equal([$"janus: Janus:Heartbeat:Intervall (from {file}) is not a Janus setting; did you mean Janus:Heartbeat:Interval?"], error);
    }

    [Fact]
    public async Task Regression_an_empty_list_in_a_settings_file_is_not_a_value_on_a_section()
    {
        // deploy/appsettings.json has "ApiKeys": [], which the JSON provider turns into Janus:Security:ApiKeys = "".
        string file = Path.Combine(Directory.CreateTempSubdirectory("janus-cli-").FullName, "janus.json");
        await File.WriteAllTextAsync(file, """{ "Janus": { "Security": { "ApiKeys": [] }, "Cluster": { } } }""");

        (int exitCode, string[] output, string[] error) = await JanusProcess.RunAsync("--check", "--config", file);

        Assert.True(exitCode == 0, string.Join('\n', error));
        Assert.Equal(["janus: the configuration is good."], output);
    }

    [Fact]
    public async Task The_sample_production_settings_are_good()
    {
        string sample = Path.Combine(RepositoryRoot(), "deploy", "appsettings.json");

        (int exitCode, string[] output, string[] error) = await JanusProcess.RunAsync("--check", "--config", sample);

        Assert.True(exitCode == 0, string.Join('\n', error));
        Assert.Equal(["janus: the configuration is good."], output);
    }

    [Fact]
    public async Task A_list_setting_takes_any_index()
    {
        (int exitCode, string[] output, string[] error) = await JanusProcess.RunAsync("--check", "--Janus:Security:ApiKeys:0=0123456789abcdef0123", "--Janus:Security:ApiKeys:1=fedcba98765432100123");

        Assert.True(exitCode == 0, string.Join('\n', error));
        Assert.Equal(["janus: the configuration is good."], output);
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_naming_the_port_and_its_setting_and_exit_code_1()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;

        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync("--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--http-bind", "127.0.0.1", "--http-port", "0");

        Assert.Equal(1, exitCode);
        Assert.Equal([$"janus: cannot listen on janus-tcp port {port} (Janus:Tcp:Port, set by --port): the address is already in use (another janus, or another program, holds the port)."], error);
    }

    [Fact]
    public async Task The_HTTP_port_in_use_names_the_HTTP_setting()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        int port = ((IPEndPoint)holder.LocalEndpoint).Port;

        (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync("--bind", "127.0.0.1", "--port", "0", "--http-bind", "127.0.0.1", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"janus: cannot listen on http port {port} (Janus:Http:Port, set by --http-port): the address is already in use", error.FirstOrDefault(), StringComparison.Ordinal);
        Assert.Single(error);
    }

    [Fact]
    public async Task Help_lists_every_switch_even_before_another_switch()
    {
        // Regression: "--help --port 8093" took --port as the value of --help, then started a server.
        (int exitCode, string[] output, string[] error) = await JanusProcess.RunAsync("--help", "--port", "8093");

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        string help = string.Join('\n', output);
        foreach (string name in JanusHostingExtensions.SwitchMappings.Keys.Concat(["--config", "--check", "--list-settings", "--version", "--help"]))
        {
            Assert.Contains(name, help, StringComparison.Ordinal);
        }

        Assert.Contains("Janus:Tcp:Port                    8081", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_settings_prints_every_setting_the_options_classes_bind()
    {
        (int exitCode, string[] output, string[] _) = await JanusProcess.RunAsync("--list-settings");

        Assert.Equal(0, exitCode);
        foreach (JanusSetting setting in JanusSettings.Default.All)
        {
            Assert.Contains(output, line => line.TrimStart().StartsWith(setting.Key + " ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Version_prints_the_version_and_the_commit()
    {
        (int exitCode, string[] output, string[] _) = await JanusProcess.RunAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Matches(@"^janus \d+\.\d+\.\d+ \(commit ([0-9a-f]{40}|unknown), \.NET \d+\.\d+\.\d+, (JIT|native AOT)\)$", Assert.Single(output));
    }

    [Fact]
    public async Task Check_exits_0_for_a_good_configuration_without_listening()
    {
        (int exitCode, string[] output, string[] error) = await JanusProcess.RunAsync("--check", "--port", "9", "--http-port", "10");

        Assert.True(exitCode == 0, string.Join('\n', error));
        Assert.Equal(["janus: the configuration is good."], output);
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Janus.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("Janus.slnx not found above " + AppContext.BaseDirectory);
    }
}
