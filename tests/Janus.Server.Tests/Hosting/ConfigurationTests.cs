using System.Collections;
using Janus.Server.Hosting;
using Janus.Server.Options;
using Janus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Janus.Server.Tests.Hosting;

public sealed class ConfigurationTests : IDisposable
{
    private readonly string _contentRoot = Directory.CreateTempSubdirectory("janus-config-").FullName;

    public ConfigurationTests() =>
        File.WriteAllText(Path.Combine(_contentRoot, "appsettings.json"), """{ "Janus": { "Tcp": { "Port": 8081 }, "Limits": { "MaxQueueBytes": 2097152 } } }""");

    public static TheoryData<string[], string?, string> Precedence() => new()
    {
        { [], null, "8081" },
        { [], "9000", "9000" },
        { ["--bind", "127.0.0.1"], "9000", "9000" },
        { ["--Janus:Http:Port=8090"], "9000", "9000" },
        { ["--port", "9100"], "9000", "9100" },
        { ["--tcp-port=9150"], null, "9150" },
        { ["--Janus:Tcp:Port=9200"], "9000", "9200" },
    };

    [Theory]
    [MemberData(nameof(Precedence))]
    public void Command_line_beats_JANUS_variables_which_beat_appsettings(string[] args, string? janusTcpPort, string expected)
    {
        var environment = new Hashtable();
        if (janusTcpPort is not null)
        {
            environment["JANUS_TCP__PORT"] = janusTcpPort;
        }

        ConfigurationManager configuration = Build(args, environment);

        Assert.Equal(expected, configuration["Janus:Tcp:Port"]);
        Assert.Equal("2097152", configuration["Janus:Limits:MaxQueueBytes"]);
    }

    [Fact]
    public void Regression_JANUS_variables_count_when_the_command_line_has_arguments()
    {
        // Any argument used to put the JANUS_ source under appsettings.json.
        ConfigurationManager configuration = Build(["--http-port", "8090"], new Hashtable { ["JANUS_LIMITS__MAXQUEUEBYTES"] = "65536" });

        Assert.Equal("65536", configuration["Janus:Limits:MaxQueueBytes"]);
        Assert.Equal("8090", configuration["Janus:Http:Port"]);
    }

    [Fact]
    public void Short_switches_map_onto_the_Janus_section()
    {
        ConfigurationManager configuration = Build(["--port", "9001", "--http-port", "9002", "--bind", "127.0.0.1", "--http-bind", "127.0.0.2"], new Hashtable());

        var options = new JanusOptions();
        configuration.GetSection(JanusOptions.SectionName).Bind(options);
        Assert.Equal((9001, 9002, "127.0.0.1", "127.0.0.2"), (options.Tcp.Port, options.Http.Port, options.Tcp.Address, options.Http.Address));
    }

    [Fact]
    public void JANUS_variables_name_nested_settings_with_double_underscores()
    {
        ConfigurationManager configuration = Build([], new Hashtable
        {
            ["JANUS_HEARTBEAT__INTERVAL"] = "00:00:10",
            ["JANUS_SECURITY__APIKEYS__0"] = "0123456789abcdef",
            ["JANUSX_TCP__PORT"] = "1",
            ["OTHER"] = "x",
        });

        var options = new JanusOptions();
        configuration.GetSection(JanusOptions.SectionName).Bind(options);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Heartbeat.Interval);
        Assert.Equal(["0123456789abcdef"], options.Security.ApiKeys);
        Assert.Equal(8081, options.Tcp.Port);
    }

    [Theory]
    [InlineData("Janus:Tcp:Address", "localhost", "Janus:Tcp:Address must be an IP address or '*' (got 'localhost').")]
    [InlineData("Janus:Tcp:Port", "70000", "Janus:Tcp:Port must be between 0 and 65535 (got 70000).")]
    [InlineData("Janus:Http:Address", "example.com", "Janus:Http:Address must be an IP address or '*' (got 'example.com').")]
    [InlineData("Janus:Limits:MaxQueueBytes", "10", "Janus:Limits:MaxQueueBytes must be at least 4096 (got 10).")]
    [InlineData("Janus:Limits:MaxFrameBytes", "100", "Janus:Limits:MaxFrameBytes must be between 256 and 16777216 (got 100).")]
    [InlineData("Janus:Heartbeat:Timeout", "00:00:10", "Janus:Heartbeat:Timeout (00:00:10) must be longer than Janus:Heartbeat:Interval (00:00:30)")]
    [InlineData("Janus:Security:TrustedNetworks", "10.0.0.0/8,nonsense", "Janus:Security:TrustedNetworks has 'nonsense', which is not a network in CIDR form")]
    [InlineData("Janus:Security:KnownProxies", "10.0.0.0/8", "Janus:Security:KnownProxies has '10.0.0.0/8', which is not an IP address")]
    [InlineData("Janus:Security:KnownNetworks", "10.0.0.1", "Janus:Security:KnownNetworks has '10.0.0.1', which is not a network in CIDR form")]
    [InlineData("Janus:Security:AllowedOrigins", "https://app.example/path", "Janus:Security:AllowedOrigins has 'https://app.example/path', which is not an origin")]
    [InlineData("Janus:Security:AllowedOrigins", "ftp://app.example", "Janus:Security:AllowedOrigins has 'ftp://app.example', which is not an origin")]
    [InlineData("Janus:Security:AllowedHosts", "https://push.example.com", "Janus:Security:AllowedHosts has 'https://push.example.com', which is not a host name")]
    [InlineData("Janus:Security:ReadAccess", "KeyOnly", "Janus:Security:ReadAccess is KeyOnly but no key is configured")]
    [InlineData("Janus:Security:ReadKeys:0", "short", "Janus:Security:ReadKeys has a key shorter than 16 characters.")]
    [InlineData("Janus:Tcp:ProxyProtocol", "true", "Janus:Tcp:ProxyProtocol is true but no proxy is known")]
    public async Task A_bad_setting_stops_start_up_with_a_message_naming_it(string key, string value, string message)
    {
        // Regression for the endpoint settings: they used to fail inside Kestrel (FormatException) before validation.
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => JanusTestServer.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_setting_is_reported_at_once()
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Tcp:Address"] = "localhost",
            ["Janus:Limits:MaxQueueBytes"] = "10",
            ["Janus:Limits:MaxSubscriptionsPerConnection"] = "0",
        }));

        Assert.Equal(3, error.Failures.Count());
    }

    [Fact]
    public async Task Settings_reach_the_running_server()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Limits:MaxTopicLength"] = "12" });

        Assert.Equal(12, server.GetRequiredService<IOptions<JanusOptions>>().Value.Limits.MaxTopicLength);
    }

    public void Dispose() => Directory.Delete(_contentRoot, recursive: true);

    private ConfigurationManager Build(string[] args, Hashtable environment)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = _contentRoot });
        JanusHostingExtensions.AddConfiguration(builder.Configuration, args, environment);
        return builder.Configuration;
    }
}
