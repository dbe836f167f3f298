using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Janus.Testing;

namespace Janus.Host.Tests;

/// <summary>
/// The TCP protocol basics against janus running as an external process: the build beside the tests in the suite, and
/// the published native AOT (or single-file) binary when deploy/verify-publish sets <c>JANUS_BINARY</c>.
/// </summary>
public sealed partial class ExternalProcessTests
{
    private static readonly string[] Loopback = ["--bind", "127.0.0.1", "--port", "0", "--http-bind", "127.0.0.1", "--http-port", "0"];

    [Fact]
    public async Task Greeting_subscribe_ACK_and_a_publish_delivered_byte_exact_then_SIGTERM_stops_it_cleanly()
    {
        await using JanusProcess janus = JanusProcess.Start(Loopback);
        int tcpPort = int.Parse((await janus.WaitForOutputAsync(TcpListening())).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var endPoint = new IPEndPoint(IPAddress.Loopback, tcpPort);

        await using RawTcpClient subscriber = await RawTcpClient.ConnectAsync(endPoint);
        Assert.Matches("""^\{"timestamp":\[\d+,\d+,\d+\],"token":"[0-9a-f]{32}"\}$""", await subscriber.ReadMessageAsync());
        await subscriber.SendAsync("<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"news\"}\0");
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());

        await using RawTcpClient publisher = await RawTcpClient.ConnectAsync(endPoint);
        await publisher.ReadMessageAsync();
        await publisher.SendAsync("<regular-socket/>\0PUBLISH\0{\"topic\":\"news\",\"event\":\"e\",\"message_id\":7,\"data\":{\"text\":\"h\\u00e9llo \u2603\"}}");

        byte[] delivered = (await subscriber.TryReadMessageBytesAsync(RawTcpClient.DefaultTimeout))!;
        string text = Encoding.UTF8.GetString(delivered);
        Match timestamp = Regex.Match(text, """^\{"timestamp":\[\d+,\d+,\d+\],""");
        Assert.True(timestamp.Success, text);
        Assert.Equal(
            Encoding.UTF8.GetBytes(timestamp.Value + "\"topic\":\"news\",\"event\":\"e\",\"message_id\":7,\"data\":{\"text\":\"h\\u00e9llo \u2603\"}}"),
            delivered);

        janus.Terminate();
        Assert.Equal(0, await janus.WaitForExitAsync());
        Assert.Contains(janus.Output, line => line.Contains("Shutting down", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_up_logs_say_what_each_port_speaks_and_not_Kestrels_http_line_for_the_TCP_port()
    {
        await using JanusProcess janus = JanusProcess.Start(Loopback);
        await janus.WaitForOutputAsync(Started());

        string output = string.Join('\n', janus.Output);
        Assert.Matches(TcpListening(), output);
        Assert.Matches(@"http://127\.0\.0\.1:\d+: WebSocket at ws://127\.0\.0\.1:\d+/ws", output);
        Assert.DoesNotContain("Now listening on", output, StringComparison.Ordinal);
        Assert.DoesNotContain("open-file limit is", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_file_limit_below_the_expected_connections_is_warned_about()
    {
        // Far above any hard limit a test machine has, so the soft limit (raised to the hard one) is below it.
        await using JanusProcess janus = JanusProcess.Start([.. Loopback, "--Janus:Limits:ExpectedConnections=2000000000"]);
        Match warning = await janus.WaitForOutputAsync(OpenFileWarning());

        Assert.Equal("2000000128", warning.Groups[1].Value);
    }

    [GeneratedRegex(@"janus-tcp://127\.0\.0\.1:(\d+)")]
    private static partial Regex TcpListening();

    [GeneratedRegex(@"The open-file limit is \d+, below the (\d+) that Janus:Limits:ExpectedConnections \(2000000000\) needs")]
    private static partial Regex OpenFileWarning();

    [GeneratedRegex(@"Janus \S+ started \(process \d+")]
    private static partial Regex Started();
}
