using Janus.Protocol;

namespace Janus.Server.Transports.WebSockets;

/// <summary>
/// Left on a connection by <see cref="WebSocketUpgradeMiddleware"/> when the connection limiter refused its upgrade:
/// the request then goes to Kestrel's HTTP pipeline, whose <see cref="WebSocketEndpoint"/> answers that refusal
/// instead of asking the limiter a second time (which would count it twice). Taken once: a later request on the same
/// connection asks the limiter itself.
/// </summary>
internal sealed class WebSocketAdmissionFeature(ProtocolError refused)
{
    private ProtocolError _refused = refused;

    /// <summary>The refusal, the first time; <see cref="ProtocolError.None"/> after.</summary>
    public ProtocolError Take()
    {
        ProtocolError refused = _refused;
        _refused = ProtocolError.None;
        return refused;
    }
}
