namespace Janus.Protocol.Client;

/// <summary>
/// A publish: <c>{"action":"publish","topic":T,"event":E,"message_id":M,"data":D}</c> + NUL on a kept connection,
/// or, as the original bot sent it, <c>PUBLISH</c> + NUL + the same object without <c>action</c> and without a
/// final NUL (the server takes the object as self-delimiting and closes the connection after it).
/// </summary>
public readonly struct PublishFrame<TData>(bool keyword, string topic, string? eventName, string? messageId, TData data) : IClientFrame
    where TData : IJsonData
{
    /// <inheritdoc />
    public void WriteTo(CommandWriter writer) => writer.WritePublish(keyword, topic, eventName, messageId, data);
}
