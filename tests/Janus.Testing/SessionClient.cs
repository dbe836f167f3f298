using System.Net;
using System.Text.Json;

namespace Janus.Testing;

/// <summary>
/// A client of the opt-in session protocol written the way an application would (docs/sessions.md): it keeps its
/// token and its last position per topic, and after a dropped connection connects again and resumes with them.
/// </summary>
public sealed class SessionClient : IAsyncDisposable
{
    private readonly IPEndPoint _endPoint;
    private RawTcpClient _connection;

    private SessionClient(IPEndPoint endPoint, RawTcpClient connection, string token)
    {
        _endPoint = endPoint;
        _connection = connection;
        Token = token;
    }

    /// <summary>The token of the session this client holds (the greeting's, or after a refused resume the fresh one).</summary>
    public string Token { get; private set; }

    /// <summary>The last position per topic: from the subscribe answers and from each delivery.</summary>
    public Dictionary<string, (long Offset, string Epoch)> Positions { get; } = new(StringComparer.Ordinal);

    /// <summary>The current connection.</summary>
    public RawTcpClient Connection => _connection;

    /// <summary>Connects, reads the greeting and says hello.</summary>
    public static async Task<SessionClient> ConnectAsync(IPEndPoint endPoint)
    {
        RawTcpClient connection = await RawTcpClient.ConnectAsync(endPoint);
        string token = TokenOf(await connection.ReadMessageAsync());
        await connection.SendAsync("{\"action\":\"hello\"}\0");
        using JsonDocument hello = JsonDocument.Parse(await connection.ReadMessageAsync());
        if (!hello.RootElement.TryGetProperty("hello", out _))
        {
            throw new InvalidOperationException("expected a hello answer, got " + hello.RootElement);
        }

        return new SessionClient(endPoint, connection, token);
    }

    /// <summary>The token of a greeting.</summary>
    public static string TokenOf(string greeting)
    {
        using JsonDocument document = JsonDocument.Parse(greeting);
        return document.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>Subscribes (from <paramref name="since"/> if given) and returns the answer.</summary>
    public async Task<JsonElement> SubscribeAsync(string topic, (long Offset, string Epoch)? since = null)
    {
        string frame = since is { } s
            ? $"{{\"action\":\"subscribe\",\"data\":\"{topic}\",\"since\":{{\"offset\":{s.Offset},\"epoch\":\"{s.Epoch}\"}}}}\0"
            : $"{{\"action\":\"subscribe\",\"data\":\"{topic}\"}}\0";
        await _connection.SendAsync(frame);
        JsonElement answer = JsonDocument.Parse(await _connection.ReadMessageAsync()).RootElement;
        Positions[topic] = (answer.GetProperty("offset").GetInt64(), answer.GetProperty("epoch").GetString()!);
        return answer;
    }

    /// <summary>Reads the next message; a delivery moves the topic's position. Null when the connection dropped.</summary>
    public async Task<JsonElement?> ReadAsync(TimeSpan? timeout = null)
    {
        byte[]? bytes = await _connection.TryReadMessageBytesAsync(timeout ?? RawTcpClient.DefaultTimeout);
        if (bytes is null)
        {
            return null;
        }

        JsonElement message = JsonDocument.Parse(bytes).RootElement;
        if (message.ValueKind == JsonValueKind.Object && message.TryGetProperty("offset", out JsonElement offset) && message.TryGetProperty("topic", out JsonElement topic))
        {
            Positions[topic.GetString()!] = (offset.GetInt64(), message.GetProperty("epoch").GetString()!);
        }

        return message;
    }

    /// <summary>Connects again and resumes; returns the resume answer (messages follow it).</summary>
    public async Task<JsonElement> ReconnectAndResumeAsync(IPEndPoint? endPoint = null)
    {
        await _connection.DisposeAsync();
        _connection = await RawTcpClient.ConnectAsync(endPoint ?? _endPoint);
        string fresh = TokenOf(await _connection.ReadMessageAsync());
        await _connection.SendAsync(ResumeFrame(Token, Positions));
        JsonElement answer = JsonDocument.Parse(await _connection.ReadMessageAsync()).RootElement;
        if (answer.GetProperty("resumed").GetBoolean())
        {
            return answer;
        }

        Token = fresh;
        return answer;
    }

    /// <summary>A resume frame for a token and positions.</summary>
    public static string ResumeFrame(string token, Dictionary<string, (long Offset, string Epoch)> positions)
    {
        var parts = new List<string>();
        foreach (KeyValuePair<string, (long Offset, string Epoch)> entry in positions)
        {
            parts.Add($"\"{entry.Key}\":{{\"offset\":{entry.Value.Offset},\"epoch\":\"{entry.Value.Epoch}\"}}");
        }

        return $"{{\"action\":\"resume\",\"data\":\"{token}\",\"positions\":{{{string.Join(',', parts)}}}}}\0";
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>Resume helpers for fault tests.</summary>
public static class SessionClientExtensions
{
    /// <summary>Reconnects through the proxy (which may cut again meanwhile) until a resume answer arrives.</summary>
    public static async Task<JsonElement> ReadAndResumeWithRetryAsync(this SessionClient client, FaultProxy proxy)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await client.ReconnectAndResumeAsync(proxy.EndPoint);
            }
            catch (Exception ex) when ((ex is IOException or System.Net.Sockets.SocketException) && attempt < 20)
            {
                // Cut again before the answer: try again.
            }
        }
    }
}
