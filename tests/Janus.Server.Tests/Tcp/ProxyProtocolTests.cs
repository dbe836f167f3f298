using System.Buffers;
using System.Net;
using Janus.Protocol;
using Janus.Server.Transports.Tcp;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

/// <summary>
/// Janus:Tcp:ProxyProtocol: behind a stream proxy, a connection from a known proxy starts with a PROXY header (v1 or
/// v2) and is judged by the client address in it; connections from elsewhere are read as they are.
/// </summary>
public sealed class ProxyProtocolTests
{
    private static Task<JanusTestServer> StartAsync(string knownProxies = "127.0.0.1") => JanusTestServer.StartAsync(new Dictionary<string, string?>
    {
        ["Janus:Tcp:ProxyProtocol"] = "true",
        ["Janus:Security:KnownProxies"] = knownProxies,
        ["Janus:Security:TrustedNetworks"] = "127.0.0.0/8,10.0.0.0/8",
    });

    private static byte[] V2(byte command, byte family, byte[] addresses)
    {
        byte[] header = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, (byte)(0x20 | command), family, (byte)(addresses.Length >> 8), (byte)addresses.Length];
        return [.. header, .. addresses];
    }

    private static byte[] V2Tcp4(byte a, byte b, byte c, byte d) => V2(1, 0x11, [a, b, c, d, 127, 0, 0, 1, 0x15, 0xB3, 0x1F, 0x91]);

    private static async Task<RawTcpClient> ConnectThroughProxyAsync(JanusTestServer server, byte[] header)
    {
        RawTcpClient client = await server.ConnectTcpAsync(readGreeting: false);
        await client.SendAsync(header);
        Assert.Contains("\"token\"", await client.ReadMessageAsync(), StringComparison.Ordinal);
        return client;
    }

    [Fact]
    public async Task A_v1_header_naming_an_internet_client_makes_its_publish_untrusted()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient client = await ConnectThroughProxyAsync(server, "PROXY TCP4 8.8.8.8 127.0.0.1 5555 8081\r\n"u8.ToArray());

        await client.SendAsync("PUBLISH\0" + Frames.PublishBody("t", 1));

        Assert.Single(await client.ReadUntilClosedWithErrorAsync(ProtocolError.PublishForbidden));
    }

    [Fact]
    public async Task A_v2_header_naming_a_trusted_client_publishes()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync(readGreeting: false);
        await subscriber.SendAsync(V2(0, 0x00, []));
        await subscriber.ReadMessageAsync();
        await subscriber.SubscribeAsync("t");
        await using RawTcpClient publisher = await ConnectThroughProxyAsync(server, V2Tcp4(10, 1, 2, 3));

        await publisher.SendAsync(Frames.PublishCommand("t", 1));

        Assert.Contains("\"topic\":\"t\"", await subscriber.ReadMessageAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_v2_header_for_an_internet_client_over_IPv6_makes_its_publish_untrusted()
    {
        await using JanusTestServer server = await StartAsync();
        byte[] addresses = [.. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.IPv6Loopback.GetAddressBytes(), 0x15, 0xB3, 0x1F, 0x91];
        await using RawTcpClient client = await ConnectThroughProxyAsync(server, V2(1, 0x21, addresses));

        await client.SendAsync("PUBLISH\0" + Frames.PublishBody("t", 1));

        Assert.Single(await client.ReadUntilClosedWithErrorAsync(ProtocolError.PublishForbidden));
    }

    [Fact]
    public async Task A_known_proxy_without_a_valid_header_is_hung_up_on()
    {
        await using JanusTestServer server = await StartAsync();
        await using RawTcpClient client = await server.ConnectTcpAsync(readGreeting: false);

        await client.SendAsync("{\"action\":\"subscribe\",\"data\":\"t\"}\0");

        Assert.Empty(await client.ReadToEndAsync());
    }

    [Fact]
    public async Task A_connection_from_anywhere_but_a_known_proxy_is_read_as_it_is()
    {
        // 127.0.0.2 is not the proxy: greeted at once, with no header, and a header it sent would be data.
        await using JanusTestServer server = await StartAsync("127.0.0.1");
        await using RawTcpClient client = await RawTcpClient.ConnectAsync(server.TcpEndPoint!, IPAddress.Parse("127.0.0.2"));

        Assert.Contains("\"token\"", await client.ReadMessageAsync(), StringComparison.Ordinal);
        await client.SubscribeAsync("t");
    }

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "1.2.3.4")]
    [InlineData("PROXY TCP6 2001:db8::1 ::1 1 2\r\n", "2001:db8::1")]
    [InlineData("PROXY UNKNOWN\r\n", null)]
    [InlineData("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", null)]
    public void Version_1_lines_parse(string line, string? address)
    {
        ProxyProtocolHeader.Result result = ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(line + "rest")), out long length, out IPEndPoint? source);

        Assert.Equal(ProxyProtocolHeader.Result.Complete, result);
        Assert.Equal(line.Length, length);
        Assert.Equal(address, source?.Address.ToString());
    }

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1")]
    [InlineData("PRO")]
    [InlineData("")]
    public void A_partial_version_1_line_needs_more(string text) =>
        Assert.Equal(ProxyProtocolHeader.Result.NeedMore, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(text)), out _, out _));

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 ::1 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n")]
    [InlineData("PROXI TCP4 1.2.3.4 5.6.7.8 1 2\r\n")]
    [InlineData("{\"action\":\"subscribe\"}\0")]
    public void Malformed_headers_are_invalid(string text) =>
        Assert.Equal(ProxyProtocolHeader.Result.Invalid, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes(text)), out _, out _));

    [Fact]
    public void A_version_1_line_longer_than_107_bytes_is_invalid() =>
        Assert.Equal(ProxyProtocolHeader.Result.Invalid, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(System.Text.Encoding.ASCII.GetBytes("PROXY " + new string('1', 120))), out _, out _));

    [Fact]
    public void A_version_2_header_is_read_in_pieces_and_its_TLVs_skipped()
    {
        byte[] header = V2(1, 0x11, [8, 8, 4, 4, 127, 0, 0, 1, 0, 80, 0, 81, 0x04, 0x00, 0x01, 0xFF]);
        for (int cut = 0; cut < header.Length; cut++)
        {
            Assert.Equal(ProxyProtocolHeader.Result.NeedMore, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(header, 0, cut), out _, out _));
        }

        Assert.Equal(ProxyProtocolHeader.Result.Complete, ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>([.. header, 0x7B]), out long length, out IPEndPoint? source));
        Assert.Equal(header.Length, length);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("8.8.4.4"), 80), source);
    }
}
