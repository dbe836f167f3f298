namespace Janus.Server.Limits;

/// <summary>
/// What <see cref="ConnectionLimiter"/> keeps for one client address: its open connections and its connect-rate
/// bucket. Touched only when one of its connections opens or closes, and by the once-a-second sweep, under its own
/// lock (never a lock every connection shares).
/// </summary>
internal sealed class AddressConnections
{
    public Lock Gate { get; } = new();

    public int Open;

    public TokenBucket Connects;

    /// <summary>Set by the sweep when it takes the entry out of the dictionary; a late comer then makes a new one.</summary>
    public bool Removed;
}
