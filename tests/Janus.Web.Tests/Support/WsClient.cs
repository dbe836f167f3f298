using System.Net.WebSockets;
using System.Text;
using Janus.Testing;

namespace Janus.Web.Tests.Support;

/// <summary>A WebSocket client as a browser or an application would use it (<see cref="ClientWebSocket"/>), reading text messages.</summary>
internal sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly byte[] _buffer = new byte[64 * 1024];

    private WsClient(ClientWebSocket socket) => Socket = socket;

    public ClientWebSocket Socket { get; }

    public string Greeting { get; private set; } = string.Empty;

    public static Uri Address(JanusTestServer server, string? query = null) =>
        new($"ws://127.0.0.1:{server.HttpEndPoint!.Port}/ws{(query is null ? string.Empty : "?" + query)}");

    /// <summary>Connects and reads the greeting.</summary>
    public static async Task<WsClient> ConnectAsync(JanusTestServer server, string? query = null, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(Address(server, query), timeout.Token);
        var client = new WsClient(socket);
        client.Greeting = await client.ReceiveAsync();
        return client;
    }

    public async Task SendAsync(string text)
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
    }

    /// <summary>Subscribes and waits for the ACK.</summary>
    public async Task SubscribeAsync(string topic)
    {
        await SendAsync($"{{\"action\":\"subscribe\",\"data\":\"{topic}\"}}");
        Assert.Equal("ACK", await ReceiveAsync());
    }

    /// <summary>The next text message; fails on a close or a timeout.</summary>
    public async Task<string> ReceiveAsync(TimeSpan? timeout = null)
    {
        WebSocketReceiveResult? close;
        string? text;
        (text, close) = await ReceiveOneAsync(timeout ?? DefaultTimeout);
        return text ?? throw new InvalidOperationException($"The server closed the connection ({close!.CloseStatus} {close.CloseStatusDescription}) instead of sending a message.");
    }

    /// <summary>The next text message that is not a heartbeat PING.</summary>
    public async Task<string> ReceiveSkippingPingsAsync()
    {
        while (true)
        {
            string message = await ReceiveAsync();
            if (message != "PING")
            {
                return message;
            }
        }
    }

    /// <summary>Reads until the server's close frame; returns the text messages before it and the close frame.</summary>
    public async Task<(List<string> Messages, WebSocketCloseStatus? Status, string? Description)> ReceiveUntilCloseAsync(TimeSpan? timeout = null)
    {
        var messages = new List<string>();
        while (true)
        {
            (string? text, WebSocketReceiveResult? close) = await ReceiveOneAsync(timeout ?? DefaultTimeout);
            if (text is null)
            {
                return (messages, close!.CloseStatus, close.CloseStatusDescription);
            }

            messages.Add(text);
        }
    }

    private async Task<(string? Text, WebSocketReceiveResult? Close)> ReceiveOneAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult result = await Socket.ReceiveAsync(_buffer, cts.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (null, result);
            }

            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            message.Write(_buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length), null);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Already gone.
        }

        Socket.Dispose();
    }
}
