using System.Net;
using System.Text.RegularExpressions;
using Janus.Testing;

namespace Janus.Host.Tests;

/// <summary>
/// janus at its open-file limit: more clients than descriptors. It used to abort ("terminate called after throwing
/// an instance of 'PAL_SEHException'") once accepted sockets had taken every descriptor and the runtime could not
/// start a thread; now it keeps a reserve, serves the clients it has and lets waiting ones in as others leave.
/// </summary>
public sealed partial class DescriptorLimitTests
{
    // An idle janus holds about 220 descriptors (its assemblies, pipes, listeners) and 128 are kept in reserve, so
    // with 600 it accepts roughly 250 clients: 500 are well over, and still fit the listen backlog (4,096).
    private const int OpenFileLimit = 600;
    private const int Clients = 500;
    private const int Waiting = 100;

    private static readonly string[] Loopback = ["--bind", "127.0.0.1", "--port", "0", "--http-bind", "127.0.0.1", "--http-port", "0"];

    [Fact]
    public async Task At_the_open_file_limit_janus_keeps_serving_stops_accepting_and_lets_waiting_clients_in_as_others_leave()
    {
        await using JanusProcess janus = JanusProcess.Start(Loopback, openFileLimit: OpenFileLimit);
        int tcpPort = int.Parse((await janus.WaitForOutputAsync(TcpListening())).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var endPoint = new IPEndPoint(IPAddress.Loopback, tcpPort);

        await using RawTcpClient subscriber = await RawTcpClient.ConnectAsync(endPoint);
        await subscriber.ReadMessageAsync();
        await subscriber.SendAsync("<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"news\"}\0");
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());
        await using RawTcpClient publisher = await RawTcpClient.ConnectAsync(endPoint);
        await publisher.ReadMessageAsync();

        var flood = new List<RawTcpClient>(Clients);
        try
        {
            for (int i = 0; i < Clients; i++)
            {
                // The kernel completes the handshake from the backlog whether or not janus accepts.
                flood.Add(await RawTcpClient.ConnectAsync(endPoint));
            }

            await janus.WaitForOutputAsync(Paused());

            // Still alive, and still serving the clients it has.
            await publisher.SendAsync("<regular-socket/>\0PUBLISH\0{\"topic\":\"news\",\"event\":\"e\",\"data\":1}");
            Assert.Contains("\"topic\":\"news\"", await subscriber.ReadMessageAsync(), StringComparison.Ordinal);

            // The last ones wait in the backlog: no greeting while janus is at its reserve.
            Assert.False(flood[^1].Socket.Poll(TimeSpan.FromMilliseconds(300), System.Net.Sockets.SelectMode.SelectRead));

            // Clients leave; those waiting are let in and greeted, none refused.
            foreach (RawTcpClient client in flood.Take(Clients - Waiting))
            {
                await client.DisposeAsync();
            }

            foreach (RawTcpClient client in flood.Skip(Clients - Waiting))
            {
                Assert.Matches("\"token\":\"[0-9a-f]{32}\"", await client.ReadMessageAsync(TimeSpan.FromSeconds(20)));
            }

            await janus.WaitForOutputAsync(Recovered());
            Assert.Single(janus.Output, line => Paused().IsMatch(line));
        }
        finally
        {
            foreach (RawTcpClient client in flood)
            {
                await client.DisposeAsync();
            }
        }

        janus.Terminate();
        Assert.Equal(0, await janus.WaitForExitAsync());
        Assert.DoesNotContain(janus.Error, line => line.Contains("terminate called", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"janus-tcp://127\.0\.0\.1:(\d+)")]
    private static partial Regex TcpListening();

    [GeneratedRegex("The TCP port stops accepting: descriptors from \\d+ up are kept free")]
    private static partial Regex Paused();

    [GeneratedRegex("accepting again after \\d+ failed attempts")]
    private static partial Regex Recovered();
}
