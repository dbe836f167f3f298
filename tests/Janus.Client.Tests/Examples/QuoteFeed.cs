using System.Net;
using System.Text.Json.Serialization;
using Janus.Client;

namespace Examples;

public static class QuoteFeed
{
    public static async Task<int> RunAsync(EndPoint server, TextWriter output, CancellationToken cancellationToken)
    {
        await using JanusClient client = await JanusClient.ConnectAsync(server, new JanusClientOptions(), cancellationToken);
        output.WriteLine($"connected, sessions: {client.SessionsEnabled}");

        // The client reconnects by itself; this says whether anything was missed meanwhile.
        client.Reconnected += (_, e) => output.WriteLine(e.Recovered
            ? "reconnected, nothing missed"
            : "reconnected, missed messages on " + string.Join(", ", e.Topics.Where(t => !t.Recovered).Select(t => t.Topic)));

        // In place once this returns: every later message of the topic reaches this stream.
        await using JanusSubscription quotes = await client.SubscribeCoreAsync("quotes", cancellationToken);

        // On this connection (trusted networks only, loopback by default)...
        await client.PublishAsync("quotes", new Quote("JNS", 12.50m), AppJson.Default.Quote, eventName: "quote", messageId: "1", cancellationToken);

        // ...or the way the original bot did: a connection of its own, closed by the server after the publish.
        await JanusClient.PublishOnceAsync(server, "quotes", new Quote("JNS", 12.75m), AppJson.Default.Quote, eventName: "quote", messageId: "2", cancellationToken: cancellationToken);

        int received = 0;
        await foreach (JanusMessage message in quotes.WithCancellation(cancellationToken))
        {
            Quote? quote = message.GetData(AppJson.Default.Quote);
            output.WriteLine($"{message.Topic}/{message.Event} #{message.MessageId}: {quote}, latency {message.Latency.TotalMilliseconds:0.000} ms");
            if (++received == 2)
            {
                break;
            }
        }

        return received;
    }
}

public sealed record Quote(string Symbol, decimal Price);

[JsonSerializable(typeof(Quote))]
internal sealed partial class AppJson : JsonSerializerContext;
