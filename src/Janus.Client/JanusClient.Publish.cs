using System.ComponentModel;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Janus.Client.Connection;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Client;

// Publishing: on the open connection, or once on a connection of its own as the original bot did. The overloads with
// named optional arguments are the ones to use; the positional ones (event and message id before the data) stay
// for existing callers and are hidden from completion.
public sealed partial class JanusClient
{
    /// <summary>
    /// Publishes <paramref name="utf8JsonData"/> to <paramref name="topic"/> over this connection:
    /// <c>{"action":"publish","topic":T,"event":E,"message_id":M,"data":D}</c>. The server does not reply: this
    /// completes once the frame is written. A refusal (e.g. <see cref="ProtocolError.PublishForbidden"/> from an
    /// untrusted address) closes the connection and surfaces as <see cref="JanusProtocolException"/>.
    /// </summary>
    /// <remarks>
    /// While the client is reconnecting the publish waits for the new connection. A publish being written when the
    /// connection drops throws <see cref="JanusConnectionClosedException"/> and is not sent again: the protocol has no
    /// acknowledgement that would tell whether the server took it.
    /// </remarks>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="utf8JsonData">The <c>data</c>: one JSON value in UTF-8, passed through to subscribers (compacted); empty means <c>null</c>.</param>
    /// <param name="eventName">The <c>event</c>, e.g. <c>"created"</c>; null for JSON null.</param>
    /// <param name="messageId">The <c>message_id</c>; null for JSON null.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection; a frame once started is written whole.</param>
    /// <exception cref="ArgumentException"><paramref name="utf8JsonData"/> is not one JSON value.</exception>
    /// <exception cref="JanusConnectionClosedException">The client has ended, or the connection dropped during the write.</exception>
    public ValueTask PublishAsync(string topic, ReadOnlyMemory<byte> utf8JsonData, string? eventName = null, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        RawJsonData.Validate(utf8JsonData);
        return WriteFrameAsync(new PublishFrame<RawJsonData>(keyword: false, topic, eventName, messageId, new RawJsonData(utf8JsonData)), answer: null, WriteKind.Command, cancellationToken);
    }

    /// <inheritdoc cref="PublishAsync(string, ReadOnlyMemory{byte}, string?, string?, CancellationToken)" path="/summary"/>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="data">The <c>data</c>: any JSON value.</param>
    /// <param name="eventName">The <c>event</c>; null for JSON null.</param>
    /// <param name="messageId">The <c>message_id</c>; null for JSON null.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection; a frame once started is written whole.</param>
    /// <exception cref="JanusConnectionClosedException">The client has ended, or the connection dropped during the write.</exception>
    public ValueTask PublishAsync(string topic, JsonElement data, string? eventName = null, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return WriteFrameAsync(new PublishFrame<ElementJsonData>(keyword: false, topic, eventName, messageId, new ElementJsonData(data)), answer: null, WriteKind.Command, cancellationToken);
    }

    /// <inheritdoc cref="PublishAsync(string, ReadOnlyMemory{byte}, string?, string?, CancellationToken)" path="/summary"/>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="data">The <c>data</c>, serialized straight into the frame.</param>
    /// <param name="dataTypeInfo">How to serialize it (from a source-generated <c>JsonSerializerContext</c>).</param>
    /// <param name="eventName">The <c>event</c>; null for JSON null.</param>
    /// <param name="messageId">The <c>message_id</c>; null for JSON null.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection; a frame once started is written whole.</param>
    /// <exception cref="JanusConnectionClosedException">The client has ended, or the connection dropped during the write.</exception>
    public ValueTask PublishAsync<T>(string topic, T data, JsonTypeInfo<T> dataTypeInfo, string? eventName = null, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(dataTypeInfo);
        return WriteFrameAsync(new PublishFrame<TypedJsonData<T>>(keyword: false, topic, eventName, messageId, new TypedJsonData<T>(data, dataTypeInfo)), answer: null, WriteKind.Command, cancellationToken);
    }

    /// <summary>
    /// Publishes the way the original bot did: connects, sends <c>PUBLISH</c> + NUL + the JSON body
    /// <c>{"topic":T,"event":E,"message_id":M,"data":D}</c>, ends its side of the stream, and completes when the
    /// server has closed the connection (which it does once it has taken the publish). No session, no reconnect.
    /// </summary>
    /// <remarks>
    /// The protocol has no acknowledgement for a publish: a refusal comes as an error frame (and throws), but a server
    /// that closes without one, e.g. while shutting down, is indistinguishable from one that took the publish.
    /// </remarks>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="utf8JsonData">The <c>data</c>: one JSON value in UTF-8; empty means <c>null</c>.</param>
    /// <param name="eventName">The <c>event</c>; null for JSON null.</param>
    /// <param name="messageId">The <c>message_id</c>; null for JSON null.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="ArgumentException"><paramref name="utf8JsonData"/> is not one JSON value.</exception>
    /// <exception cref="JanusProtocolException">The server refused the publish (e.g. <see cref="ProtocolError.PublishForbidden"/>, <see cref="ProtocolError.InvalidTopic"/>).</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    public static Task PublishOnceAsync(EndPoint endPoint, string topic, ReadOnlyMemory<byte> utf8JsonData, string? eventName = null, string? messageId = null, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        RawJsonData.Validate(utf8JsonData);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<RawJsonData>(keyword: true, topic, eventName, messageId, new RawJsonData(utf8JsonData)), options, cancellationToken);
    }

    /// <inheritdoc cref="PublishOnceAsync(EndPoint, string, ReadOnlyMemory{byte}, string?, string?, JanusClientOptions?, CancellationToken)" path="/summary"/>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="data">The <c>data</c>, serialized straight into the frame.</param>
    /// <param name="dataTypeInfo">How to serialize it (from a source-generated <c>JsonSerializerContext</c>).</param>
    /// <param name="eventName">The <c>event</c>; null for JSON null.</param>
    /// <param name="messageId">The <c>message_id</c>; null for JSON null.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="JanusProtocolException">The server refused the publish.</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    public static Task PublishOnceAsync<T>(EndPoint endPoint, string topic, T data, JsonTypeInfo<T> dataTypeInfo, string? eventName = null, string? messageId = null, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(dataTypeInfo);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<TypedJsonData<T>>(keyword: true, topic, eventName, messageId, new TypedJsonData<T>(data, dataTypeInfo)), options, cancellationToken);
    }

    /// <summary>
    /// Publishes over this connection with the JSON action
    /// <c>{"action":"publish","topic":T,"event":E,"message_id":M,"data":D}</c>; the connection stays open. The
    /// server does not reply: this completes once the frame is written. A refusal (e.g.
    /// <see cref="ProtocolError.PublishForbidden"/> from an untrusted address) closes the connection and surfaces as
    /// <see cref="JanusProtocolException"/> on the stream and on the next call.
    /// </summary>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="utf8JsonData">The <c>data</c>: one JSON value in UTF-8, passed through to subscribers (compacted); empty means <c>null</c>.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn; a frame once started is written whole.</param>
    /// <exception cref="ArgumentException"><paramref name="utf8JsonData"/> is not one JSON value.</exception>
    /// <exception cref="JanusConnectionClosedException">The connection has ended.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask PublishAsync(string topic, string? eventName, string? messageId, ReadOnlyMemory<byte> utf8JsonData, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        RawJsonData.Validate(utf8JsonData);
        return WriteFrameAsync(new PublishFrame<RawJsonData>(keyword: false, topic, eventName, messageId, new RawJsonData(utf8JsonData)), answer: null, WriteKind.Command, cancellationToken);
    }

    /// <inheritdoc cref="PublishAsync(string, string?, string?, ReadOnlyMemory{byte}, CancellationToken)" path="/summary"/>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>: any JSON value.</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn; a frame once started is written whole.</param>
    /// <exception cref="JanusConnectionClosedException">The connection has ended.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask PublishAsync(string topic, string? eventName, string? messageId, JsonElement data, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return WriteFrameAsync(new PublishFrame<ElementJsonData>(keyword: false, topic, eventName, messageId, new ElementJsonData(data)), answer: null, WriteKind.Command, cancellationToken);
    }

    /// <inheritdoc cref="PublishAsync(string, string?, string?, ReadOnlyMemory{byte}, CancellationToken)" path="/summary"/>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>, serialized straight into the frame.</param>
    /// <param name="dataTypeInfo">How to serialize it (from a source-generated <c>JsonSerializerContext</c>).</param>
    /// <param name="cancellationToken">Cancels waiting for the connection's write turn; a frame once started is written whole.</param>
    /// <exception cref="JanusConnectionClosedException">The connection has ended.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public ValueTask PublishAsync<T>(string topic, string? eventName, string? messageId, T data, JsonTypeInfo<T> dataTypeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(dataTypeInfo);
        return WriteFrameAsync(new PublishFrame<TypedJsonData<T>>(keyword: false, topic, eventName, messageId, new TypedJsonData<T>(data, dataTypeInfo)), answer: null, WriteKind.Command, cancellationToken);
    }

    /// <summary>
    /// Publishes the way the original bot did: connects, sends <c>PUBLISH</c> + NUL + the JSON body
    /// <c>{"topic":T,"event":E,"message_id":M,"data":D}</c>, ends its side of the stream, and completes when the
    /// server has closed the connection (which it does once it has taken the publish).
    /// </summary>
    /// <remarks>
    /// The protocol has no acknowledgement for a publish: a refusal comes as an error frame (and throws), but a server
    /// that closes without one, e.g. while shutting down, is indistinguishable from one that took the publish.
    /// </remarks>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="utf8JsonData">The <c>data</c>: one JSON value in UTF-8; empty means <c>null</c>.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="ArgumentException"><paramref name="utf8JsonData"/> is not one JSON value.</exception>
    /// <exception cref="JanusProtocolException">The server refused the publish (e.g. <see cref="ProtocolError.PublishForbidden"/>, <see cref="ProtocolError.InvalidTopic"/>).</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static Task PublishOnceAsync(EndPoint endPoint, string topic, string? eventName, string? messageId, ReadOnlyMemory<byte> utf8JsonData, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        RawJsonData.Validate(utf8JsonData);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<RawJsonData>(keyword: true, topic, eventName, messageId, new RawJsonData(utf8JsonData)), options, cancellationToken);
    }

    /// <inheritdoc cref="PublishOnceAsync(EndPoint, string, string?, string?, ReadOnlyMemory{byte}, JanusClientOptions?, CancellationToken)" path="/summary"/>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>: any JSON value.</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="JanusProtocolException">The server refused the publish.</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static Task PublishOnceAsync(EndPoint endPoint, string topic, string? eventName, string? messageId, JsonElement data, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<ElementJsonData>(keyword: true, topic, eventName, messageId, new ElementJsonData(data)), options, cancellationToken);
    }

    /// <inheritdoc cref="PublishOnceAsync(EndPoint, string, string?, string?, ReadOnlyMemory{byte}, JanusClientOptions?, CancellationToken)" path="/summary"/>
    /// <typeparam name="T">The type of the data.</typeparam>
    /// <param name="endPoint">The server.</param>
    /// <param name="topic">The topic to publish to; not empty.</param>
    /// <param name="eventName">The <c>event</c> (a JSON string, or null).</param>
    /// <param name="messageId">The <c>message_id</c> (a JSON string, or null).</param>
    /// <param name="data">The <c>data</c>, serialized straight into the frame.</param>
    /// <param name="dataTypeInfo">How to serialize it (from a source-generated <c>JsonSerializerContext</c>).</param>
    /// <param name="options">Connection settings; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the whole exchange.</param>
    /// <exception cref="JanusProtocolException">The server refused the publish.</exception>
    /// <exception cref="TimeoutException">The server did not greet, or did not close, within <see cref="JanusClientOptions.ConnectTimeout"/>.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static Task PublishOnceAsync<T>(EndPoint endPoint, string topic, string? eventName, string? messageId, T data, JsonTypeInfo<T> dataTypeInfo, JanusClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentNullException.ThrowIfNull(dataTypeInfo);
        return PublishOnceCoreAsync(endPoint, new PublishFrame<TypedJsonData<T>>(keyword: true, topic, eventName, messageId, new TypedJsonData<T>(data, dataTypeInfo)), options, cancellationToken);
    }

    private static async Task PublishOnceCoreAsync<TData>(EndPoint endPoint, PublishFrame<TData> frame, JanusClientOptions? options, CancellationToken cancellationToken)
        where TData : IJsonData
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        JanusClientOptions oneOff = (options ?? JanusClientOptions.Default).ForOneOffPublish();
        JanusClient client = await ConnectAsync(endPoint, oneOff, cancellationToken).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            // The server closes after a publish, and here that is the success the caller waits for.
            Link link = client._lastLink!;
            link.ExpectingClose = true;
            try
            {
                await client.WriteToLinkAsync(link, frame, answer: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException ex)
            {
                // The close counted as expected, but it came before the publish went out.
                throw new JanusConnectionClosedException("The Janus server closed the connection before the publish was sent.", ex);
            }

            // The original bot closed right after its publish; the end of stream also ends the body for a server
            // that waits for it before taking a body without a NUL.
            await client.CloseOutputAsync(link).ConfigureAwait(false);
            await client._completion.Task.WaitAsync(oneOff.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        }
    }
}
