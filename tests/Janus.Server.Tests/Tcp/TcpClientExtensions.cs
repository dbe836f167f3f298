using System.Text.Json;
using Janus.Protocol;
using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

internal static class TcpClientExtensions
{
    /// <summary>Subscribes and waits for the ACK, so the subscription is registered when this returns.</summary>
    public static async Task SubscribeAsync(this RawTcpClient client, string topic)
    {
        await client.SendAsync(Frames.Subscribe(topic));
        Assert.Equal("ACK", await client.ReadMessageAsync());
    }

    public static async Task<Delivery> ReadDeliveryAsync(this RawTcpClient client) => Delivery.Parse(await client.ReadMessageAsync());

    /// <summary>Reads everything until the server closes and checks that the last message is the error frame for <paramref name="expected"/>.</summary>
    public static async Task<IReadOnlyList<string>> ReadUntilClosedWithErrorAsync(this RawTcpClient client, ProtocolError expected)
    {
        byte[] bytes = await client.ReadToEndAsync();
        Assert.True(bytes.Length > 0 && bytes[^1] == 0x01, "the error frame must end with 0x01 and be the last thing sent");
        string[] messages = System.Text.Encoding.UTF8.GetString(bytes, 0, bytes.Length - 1).Split('\u0001');
        AssertErrorFrame(messages[^1], expected);
        return messages;
    }

    /// <summary>Checks <c>{"error":"code","reason":"text"}</c>: exactly these keys, in this order.</summary>
    public static void AssertErrorFrame(string message, ProtocolError expected)
    {
        using JsonDocument document = JsonDocument.Parse(message);
        JsonProperty[] properties = [.. document.RootElement.EnumerateObject()];
        Assert.Equal(2, properties.Length);
        Assert.Equal("error", properties[0].Name);
        Assert.Equal(ProtocolErrors.Code(expected), properties[0].Value.GetString());
        Assert.Equal("reason", properties[1].Name);
        Assert.False(string.IsNullOrWhiteSpace(properties[1].Value.GetString()));
    }
}
