namespace Janus.Bot.Worker;

/// <summary>
/// Which host, source address and topic client number <c>i</c> (counted over the whole run, all workers) uses. A pure
/// function of the index, so workers need only their first index and count, and every (source, host) pair gets an
/// even share of the ephemeral ports.
/// </summary>
internal static class ClientAssignment
{
    public static (int Host, int Source, int Topic) For(int client, int hosts, int sources, int topics)
    {
        int topic = client % topics;
        int host = client / topics % hosts;
        int source = sources == 0 ? 0 : client / (topics * hosts) % sources;
        return (host, source, topic);
    }
}
