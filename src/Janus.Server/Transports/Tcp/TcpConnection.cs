using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Limits;
using Janus.Server.Logging;
using Janus.Server.Sessions;
using Janus.Server.Transports.Tls;
using Microsoft.AspNetCore.Connections;

namespace Janus.Server.Transports.Tcp;

/// <summary>
/// One client of the original Janus TCP protocol: reads NUL-terminated frames from Kestrel's input pipe and acts on
/// them; everything it sends goes through the session's queue and the shared drain.
/// </summary>
/// <remarks>
/// Framing depends only on the delimiter, never on how TCP split or merged the client's writes. A frame with no
/// delimiter within <c>MaxFrameBytes</c> is refused, so input is never buffered without bound. The body after a
/// <c>PUBLISH</c> frame ends at a NUL, at the end of the stream, or as soon as the JSON object is complete (the
/// original bot sends no NUL after it and then closes).
/// </remarks>
internal sealed class TcpConnection : ClientConnection
{
    private readonly ConnectionContext _context;
    private readonly TlsChannel? _tls;
    private readonly int _maxFrameBytes;
    private readonly int _maxTopicLength;
    private bool _awaitingPublishBody;

    private TcpConnection(ConnectionServices services, ConnectionContext context, TlsChannel? tls, PipeWriter output, AddressConnections? admission)
        : base(services, services.Sessions.Create(services.Options.Limits.MaxQueueBytes, services.Options.Limits.MaxSubscriptionsPerConnection), output, TransportFraming.Tcp, TransportKind.Tcp, context.RemoteEndPoint, context)
    {
        _context = context;
        _tls = tls;

        HoldAdmission(admission);
        MayPublish = services.Trusted.IsTrusted(context.RemoteEndPoint);
        _maxFrameBytes = services.Options.Limits.MaxFrameBytes;
        _maxTopicLength = services.Options.Limits.MaxTopicLength;
    }

    /// <inheritdoc />
    public override bool MayPublish { get; }

    /// <summary>
    /// Only to a client that opted in (<c>hello</c>): the original server closed without a word at shutdown, and a
    /// client written for it may take any message that is not an ACK or PING for a delivery (docs/protocol.md).
    /// </summary>
    internal override bool AnnouncesShutdown => Session.IsPositioned;

    /// <summary>
    /// Serves one accepted TCP connection until it closes; <paramref name="admission"/> is what the connection limiter
    /// gave it, released when the connection is gone.
    /// </summary>
    internal static Task RunAsync(ConnectionServices services, ConnectionContext context, AddressConnections? admission)
    {
        // A plain connection writes to its transport; one of the TLS port to its SslStream (see TlsChannel).
        TlsChannel? tls = context.Features.Get<TlsChannel>();
        PipeWriter output = tls is null ? context.Transport.Output : tls.OpenOutput(context);
        return new TcpConnection(services, context, tls, output, admission).RunAsync();
    }

    // One async method for the whole life of the connection: every extra state machine is ~150 bytes per idle client.
    private async Task RunAsync()
    {
        Start(OutboundMessage.FromPayload(ServerMessages.EncodeGreeting(Services.Publisher.Engine.Now(), Session.Token)));
        if (Services.Connections.IsStopping)
        {
            BeginClose(ProtocolError.ServerShutdown, sendErrorFrame: false);
        }

        PipeReader input = _context.Transport.Input;
        try
        {
            while (!IsClosing)
            {
                ReadResult result = await input.ReadAsync();
                ReadOnlySequence<byte> buffer = result.Buffer;
                bool stop = result.IsCanceled;
                if (!stop)
                {
                    long length = buffer.Length;
                    stop = ProcessFrames(ref buffer, result.IsCompleted);
                    Services.Metrics.BytesRead(length - buffer.Length);
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (stop || result.IsCompleted)
                {
                    break;
                }
            }

            await input.CompleteAsync();
        }
        catch (Exception ex) when (ex is ConnectionResetException or ConnectionAbortedException or IOException or OperationCanceledException)
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
        }
    }

    /// <summary>Handles every complete frame in the buffer; true when the connection must stop reading.</summary>
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer, bool isCompleted)
    {
        // Publishes in this read wake each subscriber's drain once, at the end, so they leave in one write.
        using FanoutBatch batch = FanoutBatch.Begin();
        long length = buffer.Length;
        try
        {
            return ProcessFramesInBatch(ref buffer, isCompleted);
        }
        finally
        {
            // Input is only ever consumed a whole frame (or publish body) at a time: that is a sign of life, and what
            // is left over is a frame in progress, which must complete within the frame timeout. Noted before the
            // batch sends anything this read answered.
            NoteFrameProgress(completed: buffer.Length < length, incomplete: !buffer.IsEmpty || _awaitingPublishBody);
        }
    }

    private bool ProcessFramesInBatch(ref ReadOnlySequence<byte> buffer, bool isCompleted)
    {
        while (!IsClosing)
        {
            if (_awaitingPublishBody)
            {
                if (!TryTakePublishBody(ref buffer, isCompleted, out ReadOnlySequence<byte> body, out bool stopNow))
                {
                    return stopNow;
                }

                _awaitingPublishBody = false;

                // The same bound however the body ended (NUL, end of stream, end of the object), so that whether a
                // body is refused never depends on how TCP happened to split it.
                if (body.Length > _maxFrameBytes)
                {
                    Fail(ProtocolError.FrameTooLarge);
                    return true;
                }

                if (WithContiguous(body, FrameRole.PublishBody))
                {
                    return true;
                }

                continue;
            }

            if (!ClientFrames.TryReadFrame(ref buffer, out ReadOnlySequence<byte> frame))
            {
                if (buffer.Length > _maxFrameBytes)
                {
                    Fail(ProtocolError.FrameTooLarge);
                    return true;
                }

                if (isCompleted && !buffer.IsEmpty)
                {
                    // The stream ended without a final NUL: take what is there as the last frame.
                    frame = buffer;
                    buffer = buffer.Slice(buffer.End);
                    WithContiguous(frame, FrameRole.Frame);
                    return true;
                }

                return false;
            }

            if (frame.Length > _maxFrameBytes)
            {
                Fail(ProtocolError.FrameTooLarge);
                return true;
            }

            if (WithContiguous(frame, FrameRole.Frame))
            {
                return true;
            }
        }

        return true;
    }

    private bool TryTakePublishBody(ref ReadOnlySequence<byte> buffer, bool isCompleted, out ReadOnlySequence<byte> body, out bool stopNow)
    {
        stopNow = false;
        if (ClientFrames.TryReadFrame(ref buffer, out body))
        {
            return true;
        }

        if (isCompleted)
        {
            body = buffer;
            buffer = buffer.Slice(buffer.End);
            return true;
        }

        // Self-delimiting: a complete JSON object is the whole body, NUL or not.
        long complete = MeasureCompleteJson(buffer);
        if (complete > 0)
        {
            body = buffer.Slice(0, complete);
            buffer = buffer.Slice(complete);
            return true;
        }

        if (complete < 0)
        {
            Fail(ProtocolError.InvalidJson);
            stopNow = true;
            return false;
        }

        if (buffer.Length > _maxFrameBytes)
        {
            Fail(ProtocolError.FrameTooLarge);
            stopNow = true;
        }

        return false;
    }

    /// <summary>Bytes of a complete JSON value at the start of the buffer; 0 if incomplete; -1 if it can never be valid.</summary>
    private static long MeasureCompleteJson(in ReadOnlySequence<byte> buffer)
    {
        var reader = new Utf8JsonReader(buffer, isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read())
            {
                return 0;
            }

            return reader.TrySkip() ? reader.BytesConsumed : 0;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    private enum FrameRole
    {
        Frame,
        PublishBody,
    }

    /// <summary>Gives the frame to its handler as one span, copying only when it straddles buffer segments.</summary>
    private bool WithContiguous(in ReadOnlySequence<byte> frame, FrameRole role)
    {
        if (frame.IsSingleSegment)
        {
            return Handle(frame.FirstSpan, role);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)frame.Length);
        try
        {
            frame.CopyTo(rented);
            return Handle(rented.AsSpan(0, (int)frame.Length), role);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private bool Handle(ReadOnlySpan<byte> frame, FrameRole role) =>
        role == FrameRole.Frame ? HandleFrame(frame) : HandlePublishBody(frame);

    /// <summary>Acts on one frame; true when the connection must stop reading.</summary>
    private bool HandleFrame(ReadOnlySpan<byte> frame)
    {
        switch (ClientFrames.Classify(frame))
        {
            case ClientFrameKind.Empty:
            case ClientFrameKind.RegularSocketPrefix:
            case ClientFrameKind.Ping:
            case ClientFrameKind.Pong:
                return false;
            case ClientFrameKind.PolicyFileRequest:
                if (!Services.Options.FlashPolicy.Enabled)
                {
                    Fail(ProtocolError.UnknownFrame);
                    return true;
                }

                // Flash reads the policy and hangs up; so do we, once it is sent.
                Send(Services.FlashPolicy);
                BeginClose(ProtocolError.None, sendErrorFrame: false);
                return true;
            case ClientFrameKind.Publish:
                if (!MayPublish)
                {
                    Fail(ProtocolError.PublishForbidden);
                    return true;
                }

                if (!TryTakePublishPermit())
                {
                    Fail(ProtocolError.PublishRateLimited);
                    return true;
                }

                _awaitingPublishBody = true;
                return false;
            case ClientFrameKind.Json:
                return HandleCommand(frame);
            default:
                Fail(ProtocolError.UnknownFrame);
                return true;
        }
    }

    private bool HandleCommand(ReadOnlySpan<byte> frame)
    {
        Span<char> topic = stackalloc char[_maxTopicLength];
        ProtocolError error = ClientCommandParser.TryParseCommand(frame, topic, out ClientCommand command);
        if (error != ProtocolError.None)
        {
            Fail(error);
            return true;
        }

        switch (Services.Commands.Execute(this, frame, command))
        {
            case CommandOutcome.Stop:
                return true;
            case CommandOutcome.Done when command.Action == ClientAction.Subscribe:
                // The original protocol acknowledges a subscribe, in a write of its own, and nothing else.
                Send(OutboundMessage.Ack);
                return false;
            default:
                return false;
        }
    }

    private bool HandlePublishBody(ReadOnlySpan<byte> body)
    {
        Span<char> topic = stackalloc char[_maxTopicLength];
        ProtocolError error = ClientCommandParser.TryParsePublishBody(body, topic, out ClientCommand command);
        if (error != ProtocolError.None)
        {
            Fail(error);
            return true;
        }

        Services.Commands.PublishBody(this, body, command);
        if (Services.Options.Tcp.CloseAfterPublish)
        {
            BeginClose(ProtocolError.None, sendErrorFrame: false);
            return true;
        }

        return false;
    }

    protected override void OnCloseRequested() => _context.Transport.Input.CancelPendingRead();

    protected override void CompleteOutput(PipeWriter output)
    {
        if (_tls is null)
        {
            base.CompleteOutput(output);
            return;
        }

        _ = _tls.CloseAsync(output);
    }

    protected override void AbortTransport() => _context.Abort(new ConnectionAbortedException("Janus closed the connection."));

    protected override async Task WaitForTransportClosedAsync()
    {
        CancellationToken closed = _context.ConnectionClosed;
        if (closed.IsCancellationRequested)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (closed.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), done))
        {
            await done.Task;
        }
    }
}
