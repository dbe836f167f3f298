namespace Janus.Protocol.Client;

/// <summary><c>{"action":"resume","data":token,"positions":{…}}</c>: take an earlier session over (docs/sessions.md).</summary>
public readonly struct ResumeFrame(string token, IEnumerable<KeyValuePair<string, StreamPosition>> positions) : IClientFrame
{
    /// <inheritdoc />
    public void WriteTo(CommandWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteResume(token, positions);
    }
}
