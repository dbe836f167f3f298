using System.Net;
using Janus.Protocol;
using Janus.Server.Hosting;
using Janus.Server.Tests.Tcp;
using Janus.Server.Transports.Epoll;
using Janus.Testing;

namespace Janus.Server.Tests.Hosting;

/// <summary>
/// <c>Janus:Tcp:Transport</c> picks what carries the TCP port (and <c>Janus:Http:Transport</c> the HTTP port's); the rest of the suite runs over the default (epoll),
/// so the protocol's basics are checked here over Kestrel's socket transport too.
/// </summary>
public sealed class TcpTransportSelectionTests
{
    public static TheoryData<string> Transports() => new() { "Epoll", "Sockets" };

    [Fact]
    public async Task The_tcp_and_http_ports_run_on_the_epoll_transport_by_default()
    {
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere the TCP port falls back to Kestrel's sockets, which the next test covers.
            return;
        }

        await using JanusTestServer server = await JanusTestServer.StartAsync();
        JanusEndpoints endpoints = server.GetRequiredService<JanusEndpoints>();

        Assert.IsType<EpollEndPoint>(endpoints.Tcp);
        Assert.IsType<EpollEndPoint>(endpoints.Http);

        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Sockets_puts_the_http_port_back_on_kestrels_socket_transport()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Http:Transport"] = "Sockets" });

        Assert.IsNotType<EpollEndPoint>(server.GetRequiredService<JanusEndpoints>().Http);
        using var http = new HttpClient { BaseAddress = server.HttpBaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("healthz", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Sockets_puts_the_tcp_port_back_on_kestrels_socket_transport()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Tcp:Transport"] = "Sockets" });

        Assert.IsNotType<EpollEndPoint>(server.GetRequiredService<JanusEndpoints>().Tcp);
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Greeting_subscribe_publish_and_delivery_work_over(string transport)
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Tcp:Transport"] = transport });
        await using RawTcpClient subscriber = await server.ConnectTcpAsync(readGreeting: false);
        Assert.StartsWith("{\"timestamp\":[", await subscriber.ReadMessageAsync(), StringComparison.Ordinal);
        await subscriber.SendAsync("{\"action\":\"subscribe\",\"data\":\"events\"}\0");
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        // Larger than one receive buffer, under the 64 KiB frame limit.
        await publisher.SendAsync("PUBLISH\0{\"topic\":\"events\",\"event\":\"e\",\"message_id\":1,\"data\":\"" + new string('x', 50_000) + "\"}");

        string delivery = await subscriber.ReadMessageAsync();
        Assert.Contains("\"message_id\":1,\"data\":\"xxx", delivery, StringComparison.Ordinal);
        Assert.Equal(50_000, delivery.Count(c => c == 'x'));
    }

    [Theory]
    [MemberData(nameof(Transports))]
    public async Task Bad_input_gets_its_error_frame_and_a_close_over(string transport)
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Tcp:Transport"] = transport });
        await using RawTcpClient bad = await server.ConnectTcpAsync();
        await bad.SendAsync("{\"action\":\"dance\",\"data\":\"t\"}\0");

        IReadOnlyList<string> messages = await bad.ReadUntilClosedWithErrorAsync(ProtocolError.UnknownAction);
        Assert.NotEmpty(messages);
    }
}
