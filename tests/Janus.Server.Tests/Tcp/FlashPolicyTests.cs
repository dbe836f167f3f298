using System.Text;
using Janus.Protocol;
using Janus.Server.Options;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class FlashPolicyTests
{
    private const string CustomPolicy = "<?xml version=\"1.0\"?><cross-domain-policy><allow-access-from domain=\"example.com\" to-ports=\"8081\"/></cross-domain-policy>";

    [Fact]
    public async Task A_policy_file_request_is_answered_with_the_configured_policy_and_a_NUL_then_closed()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:FlashPolicy:Policy"] = CustomPolicy });
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync("<policy-file-request/>\0");

        byte[] reply = await client.ReadToEndAsync();
        Assert.Equal([.. Encoding.UTF8.GetBytes(CustomPolicy), 0x00], reply);
    }

    [Fact]
    public async Task The_default_policy_allows_every_domain()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync("<regular-socket/>\0<policy-file-request/>\0");

        byte[] reply = await client.ReadToEndAsync();
        Assert.Equal([.. Encoding.UTF8.GetBytes(FlashPolicyOptions.DefaultPolicy), 0x00], reply);
        Assert.Contains("<allow-access-from domain=\"*\"", FlashPolicyOptions.DefaultPolicy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_policy_disabled_the_request_is_an_unknown_frame()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:FlashPolicy:Enabled"] = "false" });
        await using RawTcpClient client = await server.ConnectTcpAsync();

        await client.SendAsync("<policy-file-request/>\0");

        Assert.Single(await client.ReadUntilClosedWithErrorAsync(ProtocolError.UnknownFrame));
    }

    [Fact]
    public async Task The_dedicated_policy_port_answers_with_no_greeting_in_front()
    {
        int port = FreeTcpPort();
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:FlashPolicy:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Janus:FlashPolicy:Policy"] = CustomPolicy,
        });
        await using RawTcpClient client = await RawTcpClient.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));

        await client.SendAsync("<policy-file-request/>\0");

        Assert.Equal([.. Encoding.UTF8.GetBytes(CustomPolicy), 0x00], await client.ReadToEndAsync());
    }

    [Fact]
    public async Task The_dedicated_policy_port_hangs_up_on_anything_else_without_answering()
    {
        int port = FreeTcpPort();
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:FlashPolicy:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await using RawTcpClient client = await RawTcpClient.ConnectAsync(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));

        await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"events\"}\0");

        Assert.Empty(await client.ReadToEndAsync());
    }

    private static int FreeTcpPort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }
}
