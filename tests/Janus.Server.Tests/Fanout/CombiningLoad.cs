using System.Text;
using System.Text.Json;
using Janus.Server.Fanout;

namespace Janus.Server.Tests.Fanout;

/// <summary>
/// What the flat-combining tests share: subscribers that record what they are sent, publishers that publish to one
/// topic at the same moment, and messages that name their publisher and sequence number.
/// </summary>
internal static class CombiningLoad
{
    /// <summary><paramref name="count"/> recording subscribers of <paramref name="topic"/>, each with a 64 MiB queue.</summary>
    public static RecordingSink[] Subscribe(TopicRegistry topics, string topic, int count)
    {
        var sinks = new RecordingSink[count];
        for (int i = 0; i < count; i++)
        {
            var queue = new OutboundQueue(i + 1, 64 * 1024 * 1024);
            sinks[i] = new RecordingSink(queue);
            topics.Subscribe(topic, queue);
        }

        return sinks;
    }

    /// <summary>
    /// <paramref name="publishers"/> threads released together, each publishing <paramref name="perPublisher"/>
    /// messages to "t" with data <c>publisher:seq</c>.
    /// </summary>
    public static void PublishConcurrently(FanoutEngine engine, int publishers, int perPublisher)
    {
        using var start = new Barrier(publishers);
        Parallel.For(0, publishers, new ParallelOptions { MaxDegreeOfParallelism = publishers }, publisher =>
        {
            start.SignalAndWait();
            for (int seq = 0; seq < perPublisher; seq++)
            {
                engine.PublishAndForget("t", Message($"{publisher}:{seq}"), TransportKind.Tcp);
            }
        });
    }

    /// <summary>A message to topic "t" whose data is <paramref name="data"/>.</summary>
    public static OutboundMessage Message(string data) =>
        OutboundMessage.RentForBody(Encoding.UTF8.GetBytes("\"topic\":\"t\",\"event\":null,\"message_id\":null,\"data\":\"" + data + "\"}"));

    /// <summary>A delivered message's data; releases the message.</summary>
    public static string DataOf(OutboundMessage message)
    {
        using JsonDocument json = JsonDocument.Parse(message.Json.ToArray());
        string data = json.RootElement.GetProperty("data").GetString()!;
        message.Release();
        return data;
    }
}
