namespace Janus.Client.Framing;

/// <summary><c>{"action":"subscribe","data":topic}</c> or <c>{"action":"unsubscribe","data":topic}</c>.</summary>
internal readonly struct TopicFrame(bool subscribe, string topic) : IClientFrame
{
    /// <inheritdoc />
    public void WriteTo(CommandWriter writer) => writer.WriteTopicCommand(subscribe, topic);
}
