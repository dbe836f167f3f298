namespace Janus.Protocol.Client;

/// <summary>One client-to-server frame, written whole into a <see cref="CommandWriter"/> before any byte reaches the socket.</summary>
public interface IClientFrame
{
    /// <summary>Writes the frame, delimiter included.</summary>
    void WriteTo(CommandWriter writer);
}
