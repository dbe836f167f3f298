using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Text.Unicode;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Limits;
using Janus.Server.Logging;
using Janus.Server.Sessions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Janus.Server.Transports.WebSockets;

/// <summary>
/// One WebSocket client: RFC 6455 framing done here, over the transport's own pipes when
/// <see cref="WebSocketUpgradeMiddleware"/> answered the upgrade (the usual case), or over the stream of a request
/// Kestrel's HTTP pipeline upgraded (anything the direct path leaves to it); the Janus JSON messages inside, one per text frame. Everything it sends goes through the session's queue and the
/// shared drain, which copies the pre-encoded WebSocket view of each message (header + JSON, encoded once per
/// publish for every WebSocket subscriber) and coalesces a batch into one write.
/// </summary>
/// <remarks>
/// <para>Limits. Kestrel's request limits and data rates stop at the upgrade, so this class bounds its input itself:
/// a frame (or a fragmented message, all fragments together) longer than <c>MaxFrameBytes</c> is refused as soon as
/// its header says so, before its payload is buffered; so a client that sends a header and then trickles bytes holds
/// at most that much, and for <c>FrameTimeout</c> at most (a fragmented message too, from its first fragment). Only
/// a complete frame counts as a sign of life. Output is bounded by the session queue (slow consumers are cut) and the close deadline.</para>
/// <para>Closing. Either side may start the closing handshake. When Janus closes, it sends what is queued, the error
/// message (if any), then a close frame with the matching code, and waits for the client's close frame until the
/// close deadline. When the client closes first, Janus sends what is queued and echoes the client's close code.</para>
/// </remarks>
internal sealed class WebSocketConnection : ClientConnection
{
    // StreamPipeWriter writes each buffer segment to the stream separately (each one a write and flush in Kestrel):
    // segments this large hold a whole drain batch (64 KiB of frames plus headers), so a batch is one write.
    private const int OutputSegmentBytes = 128 * 1024;

    // Client input is commands, not the hot path; small segments keep 20,000 mostly idle readers cheap.
    private const int InputSegmentBytes = 4096;

    // Text messages up to this size are unmasked on the stack.
    private const int StackMessageBytes = 512;

    // On WebSocket an ACK need not leave in a write of its own (that rule is for the original TCP bot).
    private static readonly OutboundMessage Ack = OutboundMessage.FromPayload("ACK"u8, soloWrite: false);

    // Kestrel's HttpContext (the upgraded request) or the ConnectionContext the direct path answered on: what an abort
    // tears down.
    private readonly object _owner;
    private readonly PipeReader _input;
    private readonly int _maxMessageBytes;
    private readonly int _maxTopicLength;
    private readonly bool _dashboard;
    private byte[]? _fragments;
    private int _fragmentLength;
    private bool _inFragmentedMessage;
    private bool _closeReceived;
    private ushort _peerCloseCode = WebSocketCloseCodes.Normal;
    private long _discardRemaining;
    private bool _messageBoundary;
    private Task _outputCompleted = Task.CompletedTask;
    private volatile bool _finished;

    private WebSocketConnection(ConnectionServices services, object owner, PipeReader input, PipeWriter output, EndPoint? remoteEndPoint, in UpgradeVerdict verdict, AddressConnections? admission)
        : base(
            services,
            services.Sessions.Create(services.Options.Limits.MaxQueueBytes, services.Options.Limits.MaxSubscriptionsPerConnection),
            output,
            TransportFraming.WebSocket,
            TransportKind.WebSocket,
            remoteEndPoint,
            owner)
    {
        HoldAdmission(admission);
        _owner = owner;
        _input = input;
        MayPublish = verdict.MayPublish;
        PublishScope = verdict.Scope;
        _dashboard = verdict.Dashboard;
        _maxMessageBytes = services.Options.Limits.MaxFrameBytes;
        _maxTopicLength = services.Options.Limits.MaxTopicLength;
    }

    /// <inheritdoc />
    public override bool MayPublish { get; }

    /// <inheritdoc />
    public override Security.PublishScope? PublishScope { get; }

    /// <inheritdoc />
    protected override TransportKind CountedAs => _dashboard ? TransportKind.Dashboard : TransportKind.WebSocket;

    /// <summary>
    /// Serves one connection Kestrel's HTTP pipeline upgraded until it closes, over the upgraded stream; the verdict
    /// says what it may do, and <paramref name="admission"/> (the connection limiter's place) is given back when it is gone.
    /// </summary>
    public static Task RunAsync(ConnectionServices services, HttpContext http, Stream stream, in UpgradeVerdict verdict, AddressConnections? admission) =>
        new WebSocketConnection(
            services,
            http,
            PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: InputSegmentBytes, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true)),
            PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: OutputSegmentBytes, leaveOpen: true)),
            http.Connection.RemoteIpAddress is { } ip ? new IPEndPoint(ip, http.Connection.RemotePort) : null,
            verdict,
            admission).RunAsync();

    /// <summary>
    /// Serves a connection <see cref="WebSocketUpgradeMiddleware"/> upgraded itself, straight over the transport's
    /// pipes (no HTTP request kept), until it closes; <paramref name="remoteEndPoint"/> is the client's (a known
    /// proxy's forwarded address included). The caller closes the connection when this completes.
    /// </summary>
    public static Task RunAsync(ConnectionServices services, ConnectionContext connection, EndPoint? remoteEndPoint, in UpgradeVerdict verdict, AddressConnections? admission) =>
        new WebSocketConnection(services, connection, connection.Transport.Input, connection.Transport.Output, remoteEndPoint, verdict, admission).RunAsync();

    // One async method for the whole life of the connection: every extra state machine is ~150 bytes per idle client.
    private async Task RunAsync()
    {
        Start(OutboundMessage.FromPayload(ServerMessages.EncodeGreeting(Services.Publisher.Engine.Now(), Session.Token)));
        if (Services.Connections.IsStopping)
        {
            BeginClose(ProtocolError.ServerShutdown, sendErrorFrame: false);
        }

        try
        {
            while (!IsClosing)
            {
                ReadResult result = await _input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool stop = result.IsCanceled;
                if (!stop)
                {
                    long length = buffer.Length;
                    stop = ProcessFrames(ref buffer);
                    Services.Metrics.BytesRead(length - buffer.Length);
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (stop || result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            // The client went away; the close below is all there is to do.
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(Services.Logger, Session.Id, ex);
        }
        finally
        {
            await CloseAndCleanupAsync();
            ReturnFragments();
            if (_owner is HttpContext)
            {
                // The stream's reader is ours; a transport's pipe is Kestrel's to complete when the middleware returns.
                await _input.CompleteAsync();
            }

            _finished = true;
        }
    }

    private static bool IsDisconnect(Exception ex) =>
        ex is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException or ObjectDisposedException;

    /// <summary>Handles every complete frame in the buffer; true when the connection must stop reading.</summary>
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer)
    {
        // Publishes in this read wake each subscriber's drain once, at the end, so they leave in one write.
        using FanoutBatch batch = FanoutBatch.Begin();
        _messageBoundary = false;
        try
        {
            return ProcessFramesInBatch(ref buffer);
        }
        finally
        {
            // A frame in progress, or a fragmented message, must complete within the frame timeout, counted from its
            // start: fragments trickled one by one do not restart it. Noted before the batch sends anything this read
            // answered.
            NoteFrameProgress(completed: _messageBoundary, incomplete: !buffer.IsEmpty || _inFragmentedMessage);
        }
    }

    private bool ProcessFramesInBatch(ref ReadOnlySequence<byte> buffer)
    {
        while (!IsClosing)
        {
            if (!WebSocketFrameHeader.TryRead(buffer, out WebSocketFrameHeader header))
            {
                return false;
            }

            // Judged on the header alone, so nothing is buffered for a frame that will be refused anyway.
            ProtocolError error = Check(header);
            if (error != ProtocolError.None)
            {
                Fail(error);
                return true;
            }

            long frameLength = header.Length + (long)header.PayloadLength;
            if (buffer.Length < frameLength)
            {
                return false;
            }

            ReadOnlySequence<byte> payload = buffer.Slice(header.Length, (long)header.PayloadLength);
            buffer = buffer.Slice(frameLength);
            MarkReceived();
            if (HandleFrame(header, payload))
            {
                return true;
            }

            _messageBoundary |= !_inFragmentedMessage;
        }

        return true;
    }

    private ProtocolError Check(in WebSocketFrameHeader header)
    {
        byte opcode = header.Opcode;
        if (header.Reserved != 0 || !header.Masked || !WebSocketOpcode.IsDefined(opcode))
        {
            return ProtocolError.InvalidWebSocketFrame;
        }

        if (WebSocketOpcode.IsControl(opcode))
        {
            // Control frames may come between fragments, but are never fragmented and carry at most 125 bytes.
            return header.Fin && header.PayloadLength <= 125 ? ProtocolError.None : ProtocolError.InvalidWebSocketFrame;
        }

        if (_inFragmentedMessage != (opcode == WebSocketOpcode.Continuation))
        {
            // A continuation that continues nothing, or a new message before the last one finished.
            return ProtocolError.InvalidWebSocketFrame;
        }

        if (opcode == WebSocketOpcode.Binary)
        {
            return ProtocolError.BinaryFrame;
        }

        return header.PayloadLength > (ulong)(_maxMessageBytes - _fragmentLength) ? ProtocolError.FrameTooLarge : ProtocolError.None;
    }

    private bool HandleFrame(in WebSocketFrameHeader header, in ReadOnlySequence<byte> payload)
    {
        switch (header.Opcode)
        {
            case WebSocketOpcode.Ping:
            {
                Span<byte> data = stackalloc byte[125];
                int length = (int)payload.Length;
                WebSocketMask.Unmask(payload, data, header.MaskKey);
                Send(OutboundMessage.FromWebSocketFrame(WebSocketOpcode.Pong, data[..length]));
                return false;
            }

            case WebSocketOpcode.Pong:
                return false;
            case WebSocketOpcode.Close:
                return HandleClose(header, payload);
            default:
                return HandleData(header, payload);
        }
    }

    private bool HandleClose(in WebSocketFrameHeader header, in ReadOnlySequence<byte> payload)
    {
        _closeReceived = true;
        Span<byte> data = stackalloc byte[125];
        int length = (int)payload.Length;
        WebSocketMask.Unmask(payload, data, header.MaskKey);
        if (length == 1)
        {
            Fail(ProtocolError.InvalidWebSocketFrame);
            return true;
        }

        if (length >= 2)
        {
            ushort code = BinaryPrimitives.ReadUInt16BigEndian(data);
            if (!WebSocketCloseCodes.IsValidReceived(code))
            {
                Fail(ProtocolError.InvalidWebSocketFrame);
                return true;
            }

            if (!Utf8.IsValid(data[2..length]))
            {
                Fail(ProtocolError.InvalidUtf8);
                return true;
            }

            _peerCloseCode = code;
        }

        BeginClose(ProtocolError.None, sendErrorFrame: false);
        return true;
    }

    private bool HandleData(in WebSocketFrameHeader header, in ReadOnlySequence<byte> payload)
    {
        int length = (int)payload.Length;
        if (header.Fin && !_inFragmentedMessage)
        {
            // The usual case: a whole message in one frame.
            if (length <= StackMessageBytes)
            {
                Span<byte> small = stackalloc byte[StackMessageBytes];
                WebSocketMask.Unmask(payload, small, header.MaskKey);
                return HandleMessage(small[..length]);
            }

            byte[] rented = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                WebSocketMask.Unmask(payload, rented, header.MaskKey);
                return HandleMessage(rented.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        // A fragment: Check has already held the whole message to the limit.
        EnsureFragmentCapacity(_fragmentLength + length);
        WebSocketMask.Unmask(payload, _fragments.AsSpan(_fragmentLength, length), header.MaskKey);
        _fragmentLength += length;
        _inFragmentedMessage = !header.Fin;
        if (_inFragmentedMessage)
        {
            return false;
        }

        bool stop = HandleMessage(_fragments.AsSpan(0, _fragmentLength));
        ReturnFragments();
        return stop;
    }

    private void EnsureFragmentCapacity(int needed)
    {
        if (_fragments is not null && _fragments.Length >= needed)
        {
            return;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Min(_maxMessageBytes, Math.Max(needed, (_fragments?.Length ?? 2048) * 2)));
        if (_fragments is not null)
        {
            _fragments.AsSpan(0, _fragmentLength).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_fragments);
        }

        _fragments = larger;
    }

    private void ReturnFragments()
    {
        if (_fragments is not null)
        {
            ArrayPool<byte>.Shared.Return(_fragments);
            _fragments = null;
        }

        _fragmentLength = 0;
        _inFragmentedMessage = false;
    }

    /// <summary>Acts on one complete text message; true when the connection must stop reading.</summary>
    private bool HandleMessage(ReadOnlySpan<byte> message)
    {
        if (!Utf8.IsValid(message))
        {
            Fail(ProtocolError.InvalidUtf8);
            return true;
        }

        switch (ClientFrames.Classify(message))
        {
            case ClientFrameKind.Empty:
            case ClientFrameKind.Ping:
            case ClientFrameKind.Pong:
                return false;
            case ClientFrameKind.Json:
                return HandleCommand(message);
            default:
                // PUBLISH + body, the Flash prefix and the policy request belong to the TCP protocol only.
                Fail(ProtocolError.UnknownFrame);
                return true;
        }
    }

    private bool HandleCommand(ReadOnlySpan<byte> message)
    {
        Span<char> topic = stackalloc char[_maxTopicLength];
        ProtocolError error = ClientCommandParser.TryParseCommand(message, topic, out ClientCommand command);
        if (error != ProtocolError.None)
        {
            Fail(error);
            return true;
        }

        switch (Services.Commands.Execute(this, message, command))
        {
            case CommandOutcome.Stop:
                return true;
            case CommandOutcome.Answered:
                // hello, resume and an opted-in subscribe are answered by a frame of their own instead of ACK.
                return false;
            default:
                // Every other command gets exactly one ACK, in order, so a client can match them first in, first out.
                Send(Ack);
                return false;
        }
    }

    protected override void OnCloseRequested() => _input.CancelPendingRead();

    protected override void AbortTransport()
    {
        // Once the request (or the middleware) has returned, its context belongs to Kestrel again.
        if (_finished)
        {
            return;
        }

        if (_owner is HttpContext http)
        {
            http.Abort();
        }
        else
        {
            ((ConnectionContext)_owner).Abort(new ConnectionAbortedException("Janus closed the connection."));
        }
    }

    /// <summary>Sends the close frame (in the drain, after everything else) and completes the output without blocking.</summary>
    protected override void CompleteOutput(PipeWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        ProtocolError reason = CloseReason;
        ushort code = reason == ProtocolError.None && _closeReceived ? _peerCloseCode : WebSocketCloseCodes.ForError(reason);
        string text = reason == ProtocolError.None ? string.Empty : ProtocolErrors.Code(reason);
        Span<byte> frame = output.GetSpan(4 + text.Length);
        frame[0] = 0x80 | WebSocketOpcode.Close;
        frame[1] = (byte)(2 + text.Length);
        BinaryPrimitives.WriteUInt16BigEndian(frame[2..], code);
        int written = 4 + System.Text.Encoding.ASCII.GetBytes(text, frame[4..]);
        output.Advance(written);

        // StreamPipeWriter.Complete would write synchronously, which Kestrel forbids: flush and complete asynchronously.
        // A transport's own pipe is only flushed: completing it would close the socket before the client's close frame
        // (Kestrel closes it when the middleware returns).
        _outputCompleted = FlushAndCompleteAsync(output, complete: _owner is HttpContext);
    }

    private static async Task FlushAndCompleteAsync(PipeWriter output, bool complete)
    {
        try
        {
            await output.FlushAsync();
        }
        catch (Exception ex) when (IsDisconnect(ex) || ex is InvalidOperationException)
        {
            // The client is gone; there is no one left to tell.
        }

        if (!complete)
        {
            return;
        }

        try
        {
            await output.CompleteAsync();
        }
        catch (Exception ex) when (IsDisconnect(ex) || ex is InvalidOperationException)
        {
            // As above.
        }
    }

    /// <summary>
    /// Waits for the close frame to be out and, if the client has not closed yet, for its close frame (or the end
    /// of the stream). Whatever else it sends meanwhile is skipped without being buffered; the close deadline aborts
    /// a client that never answers.
    /// </summary>
    protected override async Task WaitForTransportClosedAsync()
    {
        await _outputCompleted;
        if (_closeReceived)
        {
            return;
        }

        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool closed = !result.IsCanceled && DiscardUntilClose(ref buffer);
                _input.AdvanceTo(buffer.Start, buffer.End);
                if (closed || result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (IsDisconnect(ex) || ex is InvalidOperationException)
        {
            // Aborted at the deadline, or the client dropped the connection: closed either way.
        }
    }

    private bool DiscardUntilClose(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_discardRemaining > 0)
            {
                long skip = Math.Min(_discardRemaining, buffer.Length);
                buffer = buffer.Slice(skip);
                _discardRemaining -= skip;
                if (_discardRemaining > 0)
                {
                    return false;
                }
            }

            if (!WebSocketFrameHeader.TryRead(buffer, out WebSocketFrameHeader header))
            {
                return false;
            }

            if (header.Opcode == WebSocketOpcode.Close)
            {
                _closeReceived = true;
                buffer = buffer.Slice(buffer.End);
                return true;
            }

            buffer = buffer.Slice(header.Length);
            _discardRemaining = header.PayloadLength > long.MaxValue ? long.MaxValue : (long)header.PayloadLength;
        }
    }
}
