using Janus.Testing;

namespace Janus.Server.Tests.Tcp;

public sealed class SmokeTests
{
    [Fact]
    public async Task Subscriber_receives_a_message_published_by_another_client()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        await using RawTcpClient subscriber = await server.ConnectTcpAsync();
        await subscriber.SendAsync("<regular-socket/>\0{\"action\":\"subscribe\",\"data\":\"events\"}\0");
        Assert.Equal("ACK", await subscriber.ReadMessageAsync());

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync("<regular-socket/>\0PUBLISH\0{\"topic\":\"events\",\"event\":\"e\",\"message_id\":7,\"data\":{\"x\": 1}}");

        string message = await subscriber.ReadMessageAsync();
        Assert.Matches("""^\{"timestamp":\[\d+,\d+,\d+\],"topic":"events","event":"e","message_id":7,"data":\{"x":1\}\}$""", message);
        Assert.Empty(await publisher.ReadUntilClosedAsync());
    }
}
