namespace Janus.Protocol.Client;

/// <summary>
/// <c>{"action":"subscribe","data":topic}</c> (with <c>"since"</c> when <paramref name="since"/> is given) or
/// <c>{"action":"unsubscribe","data":topic}</c>.
/// </summary>
public readonly struct TopicFrame(bool subscribe, string topic, StreamPosition? since = null) : IClientFrame
{
    /// <inheritdoc />
    public void WriteTo(CommandWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteTopicCommand(subscribe, topic, since);
    }
}
