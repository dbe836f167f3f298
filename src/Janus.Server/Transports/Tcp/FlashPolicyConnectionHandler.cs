using System.Buffers;
using System.IO.Pipelines;
using Janus.Protocol;
using Microsoft.AspNetCore.Connections;

namespace Janus.Server.Transports.Tcp;

/// <summary>
/// The dedicated Flash socket-policy port (<c>Janus:FlashPolicy:Port</c>): answers
/// <c>&lt;policy-file-request/&gt;</c> with the policy and hangs up, with no greeting in front. Anything else, or
/// nothing within a few seconds, just closes the connection; at most a request's worth of bytes is ever buffered.
/// </summary>
public sealed class FlashPolicyConnectionHandler : ConnectionHandler
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly ConnectionServices _services;

    /// <summary>Creates the handler.</summary>
    public FlashPolicyConnectionHandler(ConnectionServices services) => _services = services;

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PipeReader input = connection.Transport.Input;
        using var timeout = new CancellationTokenSource(RequestTimeout, _services.Clock.Time);
        try
        {
            while (true)
            {
                ReadResult result = await input.ReadAsync(timeout.Token);
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (ClientFrames.TryReadFrame(ref buffer, out ReadOnlySequence<byte> frame))
                {
                    if (frame.Length == WireBytes.PolicyFileRequest.Length && ClientFrames.Classify(frame.ToArray()) == ClientFrameKind.PolicyFileRequest)
                    {
                        await connection.Transport.Output.WriteAsync(_services.FlashPolicy.GetFrame(Fanout.TransportFraming.Tcp).ToArray(), timeout.Token);
                    }

                    return;
                }

                if (result.IsCompleted || buffer.Length > WireBytes.PolicyFileRequest.Length + 1)
                {
                    return;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ConnectionResetException or IOException)
        {
            // Silent or gone: nothing to answer.
        }
        finally
        {
            await connection.Transport.Output.CompleteAsync();
        }
    }
}
