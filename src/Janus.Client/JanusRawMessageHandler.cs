namespace Janus.Client;

/// <summary>
/// Receives each delivered message as the raw UTF-8 JSON the server sent (without the 0x01 delimiter), on the
/// client's receive loop, instead of it going to <see cref="JanusClient.Messages"/>. See
/// <see cref="JanusClientOptions.RawMessageHandler"/>.
/// </summary>
/// <param name="message">
/// The message, e.g. <c>{"timestamp":[M,S,U],"topic":…}</c>. Valid only during the call: the bytes are the receive
/// buffer's, reused as soon as the handler returns.
/// </param>
/// <param name="receivedAt">When the read that brought the message completed.</param>
public delegate void JanusRawMessageHandler(ReadOnlySpan<byte> message, DateTimeOffset receivedAt);
