using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Client.Tests.Support;

internal static class ServerExtensions
{
    /// <summary>Bytes of the <c>&lt;regular-socket/&gt;</c> + NUL prefix a client sends on connect.</summary>
    public const int PrefixBytes = 18;

    public static JanusMetrics Metrics(this JanusTestServer server) => server.GetRequiredService<JanusMetrics>();

    public static Task<JanusClient> ConnectClientAsync(this JanusTestServer server, JanusClientOptions? options = null) =>
        JanusClient.ConnectAsync(server.TcpEndPoint!, options).WaitAsync(TestTimeouts.Await);

    /// <summary>
    /// A client that speaks exactly the original protocol and ends with its connection: no <c>hello</c> (so byte
    /// counts are the original's) and no reconnect (so the end of the connection is the end of the client).
    /// </summary>
    public static Task<JanusClient> ConnectLegacyClientAsync(this JanusTestServer server, JanusClientOptions? options = null)
    {
        options ??= new JanusClientOptions();
        options.Sessions = false;
        options.Reconnect = new JanusReconnectOptions { Enabled = false };
        return server.ConnectClientAsync(options);
    }

    /// <summary>Waits until the server has read exactly <paramref name="bytes"/> bytes from its clients in total.</summary>
    public static Task WaitForBytesReceivedAsync(this JanusTestServer server, long bytes)
    {
        JanusMetrics metrics = server.Metrics();
        return Eventually.WaitUntilAsync(() => metrics.BytesReceived >= bytes, () => $"server read {metrics.BytesReceived} bytes, expected {bytes}");
    }
}
