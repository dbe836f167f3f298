using System.IO.Pipelines;
using System.Net;
using Janus.Server.Logging;
using Janus.Server.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Janus.Server.Transports.Tcp;

/// <summary>
/// Connection middleware of the TCP port (<see cref="Options.TcpOptions.ProxyProtocol"/>): a connection from a known
/// proxy must start with a PROXY header, whose source address then becomes the connection's remote end point, the
/// one <see cref="TrustedNetworks"/> judges; the header is consumed before the TCP protocol reads anything. A
/// connection from anywhere else passes untouched. A proxy that sends no valid header within
/// <see cref="HeaderTimeout"/> is hung up on.
/// </summary>
internal sealed class ProxyProtocolMiddleware
{
    /// <summary>A proxy writes the header first thing; this is only a bound on a broken one.</summary>
    public static readonly TimeSpan HeaderTimeout = TimeSpan.FromSeconds(10);

    private readonly ConnectionDelegate _next;
    private readonly KnownProxyList _proxies;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public ProxyProtocolMiddleware(ConnectionDelegate next, KnownProxyList proxies, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _next = next;
        _proxies = proxies;
        _time = time;
        _logger = loggerFactory.CreateLogger("Janus.Connections");
    }

    public async Task InvokeAsync(ConnectionContext context)
    {
        if (!_proxies.IsKnown(context.RemoteEndPoint))
        {
            await _next(context);
            return;
        }

        PipeReader input = context.Transport.Input;
        using var timeout = new CancellationTokenSource(HeaderTimeout, _time);
        using CancellationTokenRegistration closed = context.ConnectionClosed.Register(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
        IPEndPoint? source;
        try
        {
            while (true)
            {
                ReadResult read = await input.ReadAsync(timeout.Token);
                ProxyProtocolHeader.Result result = ProxyProtocolHeader.TryParse(read.Buffer, out long length, out source);
                if (result == ProxyProtocolHeader.Result.Complete)
                {
                    input.AdvanceTo(read.Buffer.GetPosition(length));
                    break;
                }

                if (result == ProxyProtocolHeader.Result.Invalid || read.IsCompleted)
                {
                    input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                    WebLog.ProxyHeaderRefused(_logger, context.RemoteEndPoint);
                    context.Abort();
                    return;
                }

                input.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            }
        }
        catch (OperationCanceledException)
        {
            WebLog.ProxyHeaderRefused(_logger, context.RemoteEndPoint);
            context.Abort();
            return;
        }

        if (source is not null)
        {
            context.RemoteEndPoint = source;
        }

        await _next(context);
    }
}
