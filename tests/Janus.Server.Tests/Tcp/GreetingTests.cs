using System.Text.Json;
using Janus.Protocol;
using Janus.Server.Sessions;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class GreetingTests
{
    [Fact]
    public async Task The_greeting_arrives_unasked_with_timestamp_first_and_a_32_hex_token_string()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        DateTimeOffset before = DateTimeOffset.UtcNow;
        await using RawTcpClient client = await RawTcpClient.ConnectAsync(server.TcpEndPoint!);

        // Nothing has been sent: the server speaks first.
        string greeting = await client.ReadMessageAsync();
        DateTimeOffset after = DateTimeOffset.UtcNow;

        using JsonDocument document = JsonDocument.Parse(greeting);
        JsonProperty[] properties = [.. document.RootElement.EnumerateObject()];
        Assert.Equal(["timestamp", "token"], properties.Select(p => p.Name));
        JsonElement[] parts = [.. properties[0].Value.EnumerateArray()];
        Assert.Equal(3, parts.Length);
        Assert.All(parts, p => Assert.Equal(JsonValueKind.Number, p.ValueKind));
        var timestamp = new ErlangTimestamp(parts[0].GetInt64(), parts[1].GetInt32(), parts[2].GetInt32());
        Assert.InRange(timestamp.Seconds, 0, 999_999);
        Assert.InRange(timestamp.Microseconds, 0, 999_999);
        Assert.InRange(timestamp.ToDateTimeOffset(), before.AddMilliseconds(-50), after.AddMilliseconds(50));
        Assert.Equal(JsonValueKind.String, properties[1].Value.ValueKind);
        Assert.Matches("^[0-9a-f]{32}$", properties[1].Value.GetString());
    }

    [Fact]
    public async Task Each_connection_gets_its_own_token_naming_its_session()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient first = await RawTcpClient.ConnectAsync(server.TcpEndPoint!);
        await using RawTcpClient second = await RawTcpClient.ConnectAsync(server.TcpEndPoint!);

        string firstToken = Token(await first.ReadMessageAsync());
        string secondToken = Token(await second.ReadMessageAsync());

        Assert.NotEqual(firstToken, secondToken);
        SessionRegistry sessions = server.GetRequiredService<SessionRegistry>();
        Assert.True(sessions.TryGet(firstToken, out Session? session));
        Assert.Equal(firstToken, session.Token);
        Assert.True(sessions.TryGet(secondToken, out _));
    }

    internal static string Token(string greeting)
    {
        using JsonDocument document = JsonDocument.Parse(greeting);
        return document.RootElement.GetProperty("token").GetString()!;
    }
}
