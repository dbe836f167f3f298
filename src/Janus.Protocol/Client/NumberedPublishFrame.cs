namespace Janus.Protocol.Client;

/// <summary>
/// <c>{"action":"publish","topic":T,"event":E,"message_id":N,"data":D}</c> + NUL with a numeric <c>message_id</c>:
/// a publisher that numbers its messages so that subscribers can check order and loss (janus-bot's storm). The
/// server passes <c>message_id</c> through as it came.
/// </summary>
public readonly struct NumberedPublishFrame<TData>(string topic, string? eventName, long messageId, TData data) : IClientFrame
    where TData : IJsonData
{
    /// <inheritdoc />
    public void WriteTo(CommandWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePublish(topic, eventName, messageId, data);
    }
}
