using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Janus.Protocol;
using Janus.Server.Limits;
using Janus.Server.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Janus.Server.Transports.WebSockets;

/// <summary>
/// A Kestrel connection middleware on the HTTP (and HTTPS, after TLS) listeners: it reads the connection's first
/// request head and, when it is a plain WebSocket upgrade of <c>/ws</c> that every check admits, answers
/// <c>101 Switching Protocols</c> itself and serves the <see cref="WebSocketConnection"/> straight over the
/// transport's pipes, with no HTTP connection, request or stream adapter kept for the connection's life. Everything
/// else goes on, unread, to Kestrel's HTTP pipeline (the next middleware), which serves the API, the dashboard and
/// <c>/ws</c> itself as before.
/// </summary>
/// <remarks>
/// <para>Same checks, same answers. The request is judged by the very code Kestrel's path runs, on a short-lived
/// <see cref="DefaultHttpContext"/> built from the head: the known proxies' forwarded headers and the host and
/// secret-in-URL checks (<see cref="EdgeMiddleware"/>), then <see cref="WebSocketEndpoint.Check"/> (method, version,
/// key, shutdown, origin, API key), then the connection limiter. This path answers only the upgrade: any refusal is
/// left to Kestrel's path, which answers it byte for byte as before; only the limiter's refusal, which has counted
/// itself already, is handed over (<see cref="WebSocketAdmissionFeature"/>) rather than asked for twice.</para>
/// <para>Bounds. The head must arrive within Kestrel's <c>RequestHeadersTimeout</c> and its
/// <c>MaxRequestLineSize</c> + <c>MaxRequestHeadersTotalSize</c>; past either, Kestrel takes the connection over (and
/// applies its own limits). A connection that sends nothing in that time is closed, as Kestrel closes it.</para>
/// </remarks>
internal sealed class WebSocketUpgradeMiddleware
{
    private readonly ConnectionDelegate _next;
    private readonly ConnectionServices _services;
    private readonly WebSocketEndpoint _endpoint;
    private readonly EdgeMiddleware _edge;
    private readonly TimeProvider _time;
    private readonly TimeSpan _headTimeout;
    private readonly long _maxHeadBytes;
    private readonly UpgradeHeadLimits _limits;

    public WebSocketUpgradeMiddleware(ConnectionDelegate next, ConnectionServices services, WebSocketEndpoint endpoint, EdgeMiddleware edge, TimeProvider time, KestrelServerLimits limits)
    {
        _next = next;
        _services = services;
        _endpoint = endpoint;
        _edge = edge;
        _time = time;
        _headTimeout = limits.RequestHeadersTimeout;
        _maxHeadBytes = (long)limits.MaxRequestLineSize + limits.MaxRequestHeadersTotalSize;
        _limits = new UpgradeHeadLimits(limits.MaxRequestLineSize, limits.MaxRequestHeadersTotalSize, limits.MaxRequestHeaderCount);
    }

    public async Task InvokeAsync(ConnectionContext connection)
    {
        if (!_endpoint.IsMapped)
        {
            await _next(connection);
            return;
        }

        PipeReader input = connection.Transport.Input;
        CancellationTokenSource? timeout = null;
        try
        {
            while (true)
            {
                if (!input.TryRead(out ReadResult result))
                {
                    timeout ??= new CancellationTokenSource(_headTimeout, _time);
                    try
                    {
                        result = await input.ReadAsync(timeout.Token);
                    }
                    catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                    {
                        // A pipe that throws on its token; epoll's answers with a canceled result instead (below).
                        if (!input.TryRead(out result))
                        {
                            return;
                        }

                        result = new ReadResult(result.Buffer, isCanceled: true, isCompleted: result.IsCompleted);
                    }
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                if (buffer.IsEmpty && (result.IsCompleted || result.IsCanceled))
                {
                    // Closed, or silent for the whole timeout: Kestrel would close it without a word too.
                    input.AdvanceTo(buffer.End);
                    return;
                }

                if (FindHeadEnd(buffer) is { } headEnd)
                {
                    if (TryAdmit(connection, buffer.Slice(0, headEnd), out UpgradeVerdict verdict, out EndPoint? remote, out AddressConnections? slot))
                    {
                        timeout?.Dispose();
                        timeout = null;
                        await ServeAsync(connection, headEnd, verdict, remote, slot);
                        return;
                    }
                }
                else if (!result.IsCompleted && !result.IsCanceled && buffer.Length < _maxHeadBytes)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                // Not ours: every byte left unconsumed and unexamined, so that Kestrel's first read sees them at once.
                input.AdvanceTo(buffer.Start, buffer.Start);
                break;
            }
        }
        finally
        {
            timeout?.Dispose();
        }

        await _next(connection);
    }

    private static SequencePosition? FindHeadEnd(in ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> _, "\r\n\r\n"u8, advancePastDelimiter: true) ? reader.Position : null;
    }

    /// <summary>
    /// Runs every check of Kestrel's path on the head; true with the limiter's place taken when the upgrade is
    /// accepted. False leaves the request to Kestrel (with the limiter's refusal, if that was the reason).
    /// </summary>
    private bool TryAdmit(ConnectionContext connection, in ReadOnlySequence<byte> head, out UpgradeVerdict verdict, out EndPoint? remote, out AddressConnections? slot)
    {
        verdict = default;
        remote = null;
        slot = null;
        UpgradeRequestHead? request = UpgradeRequestHead.TryParse(head, WebSocketEndpoint.Path, _limits);
        if (request is null)
        {
            return false;
        }

        HttpContext http = CreateContext(connection, request);
        _edge.ApplyForwarded(http);
        if (_edge.Check(http.Request) is not null)
        {
            return false;
        }

        verdict = _endpoint.Check(http);
        if (!verdict.Accepted)
        {
            return false;
        }

        IPAddress? address = http.Connection.RemoteIpAddress;
        ProtocolError refused = _services.Limiter.TryAdmit(address, out slot);
        if (refused != ProtocolError.None)
        {
            connection.Features.Set(new WebSocketAdmissionFeature(refused));
            return false;
        }

        remote = address is null ? null : new IPEndPoint(address, http.Connection.RemotePort);
        return true;
    }

    /// <summary>A request for the checks only: never answered, gone once they have run.</summary>
    private static DefaultHttpContext CreateContext(ConnectionContext connection, UpgradeRequestHead head)
    {
        var features = new FeatureCollection(4);
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Protocol = "HTTP/1.1",
            Method = HttpMethods.Get,

            // As Kestrel decides it: https when the connection came through TLS.
            Scheme = connection.Features.Get<ITlsConnectionFeature>() is null ? "http" : "https",
            PathBase = string.Empty,
            Path = WebSocketEndpoint.Path,
            QueryString = head.QueryString,
            RawTarget = head.Target,
            Headers = head.Headers,
        });
        var local = connection.LocalEndPoint as IPEndPoint;
        var remote = connection.RemoteEndPoint as IPEndPoint;
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = connection.ConnectionId,
            LocalIpAddress = local?.Address,
            LocalPort = local?.Port ?? 0,
            RemoteIpAddress = remote?.Address,
            RemotePort = remote?.Port ?? 0,
        });
        features.Set<IHttpUpgradeFeature>(CheckedUpgrade.Instance);
        return new DefaultHttpContext(features);
    }

    private Task ServeAsync(ConnectionContext connection, SequencePosition headEnd, UpgradeVerdict verdict, EndPoint? remote, AddressConnections? slot)
    {
        try
        {
            connection.Transport.Input.AdvanceTo(headEnd);

            // Not flushed here: the greeting's drain sends it with the 101, one write (and, on loopback, the kernel's
            // work for one segment fewer, charged to this process).
            WriteSwitchingProtocols(connection.Transport.Output, verdict);
        }
        catch
        {
            _services.Limiter.Release(slot);
            throw;
        }

        _services.Metrics.WebSocketUpgraded(direct: true);

        // The connection gives its place back when it is gone; returning closes it.
        return WebSocketConnection.RunAsync(_services, connection, remote, verdict, slot);
    }

    private static void WriteSwitchingProtocols(PipeWriter output, in UpgradeVerdict verdict)
    {
        string accept = WebSocketHandshake.ComputeAccept(verdict.Key!);
        ReadOnlySpan<byte> start = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: "u8;

        // Browsers fail a handshake that offered subprotocols and got none back; "janus" is the one we speak.
        ReadOnlySpan<byte> end = verdict.OfferedSubProtocol ? "\r\nSec-WebSocket-Protocol: janus\r\n\r\n"u8 : "\r\n\r\n"u8;
        Span<byte> span = output.GetSpan(start.Length + accept.Length + end.Length);
        start.CopyTo(span);
        int written = start.Length + Encoding.ASCII.GetBytes(accept, span[start.Length..]);
        end.CopyTo(span[written..]);
        output.Advance(written + end.Length);
    }

    /// <summary>What <see cref="WebSocketEndpoint.Check"/> asks of the request: the head has been checked to be an upgrade.</summary>
    private sealed class CheckedUpgrade : IHttpUpgradeFeature
    {
        public static readonly CheckedUpgrade Instance = new();

        public bool IsUpgradableRequest => true;

        public Task<Stream> UpgradeAsync() => throw new NotSupportedException("The direct path answers the upgrade itself.");
    }
}
