using System.Text;
using StackExchange.Redis;

namespace Janus.Server.Cluster;

/// <summary>
/// The names Janus uses in Redis for a topic (its channel and its history keys) and the kind of pub/sub it travels
/// on: classic channels for one Redis server (and a Sentinel-managed primary), sharded channels for a Redis Cluster.
/// </summary>
/// <remarks>
/// <para>Classic (standalone, Sentinel): topic <c>T</c> travels on <c>{prefix}t:T</c> (<c>PUBLISH</c>/<c>SUBSCRIBE</c>)
/// and keeps its history in <c>{prefix}h:{T}:p</c> and <c>…:s</c>, as before Redis Cluster was supported.</para>
/// <para>Sharded (Redis Cluster): topic <c>T</c> travels on the sharded channel <c>{prefix}t:{T}</c>
/// (<c>SPUBLISH</c>/<c>SSUBSCRIBE</c>), so the channel and both history keys share the hash tag <c>T</c> and sit in one
/// slot: the publish script, which touches the keys and publishes, runs on that slot's master, and only that master
/// carries the topic's messages. Redis takes the tag up to the first <c>}</c>, so a topic with a <c>}</c> still gets one
/// slot for all three names; a topic that starts with <c>}</c> (whose tag would be empty, hashing each name whole) is
/// tagged with a leading U+0001, which no topic name holds, so those topics share one slot.</para>
/// </remarks>
internal sealed class RedisLayout
{
    private const char EmptyTagMark = '\u0001';

    private readonly string _prefix;
    private readonly byte[] _channelPrefix;

    private RedisLayout(string prefix, bool sharded)
    {
        _prefix = prefix;
        Sharded = sharded;
        _channelPrefix = Encoding.UTF8.GetBytes(prefix + (sharded ? "t:{" : "t:"));
    }

    /// <summary>Whether topic channels are sharded channels (Redis Cluster).</summary>
    public bool Sharded { get; }

    /// <summary>Classic channels and keys (one Redis server, or a Sentinel-managed primary).</summary>
    public static RedisLayout Classic(string prefix) => new(prefix, sharded: false);

    /// <summary>Sharded channels and keys hash-tagged by topic (Redis Cluster).</summary>
    public static RedisLayout ShardedFor(string prefix) => new(prefix, sharded: true);

    /// <summary>The channel a topic's messages travel on.</summary>
    public RedisChannel TopicChannel(ReadOnlySpan<char> topic)
    {
        if (!Sharded)
        {
            byte[] name = new byte[_channelPrefix.Length + Encoding.UTF8.GetByteCount(topic)];
            _channelPrefix.CopyTo(name, 0);
            Encoding.UTF8.GetBytes(topic, name.AsSpan(_channelPrefix.Length));
            return RedisChannel.Literal(name);
        }

        int mark = NeedsMark(topic) ? 1 : 0;
        byte[] sharded = new byte[_channelPrefix.Length + mark + Encoding.UTF8.GetByteCount(topic) + 1];
        _channelPrefix.CopyTo(sharded, 0);
        if (mark == 1)
        {
            sharded[_channelPrefix.Length] = (byte)EmptyTagMark;
        }

        int written = Encoding.UTF8.GetBytes(topic, sharded.AsSpan(_channelPrefix.Length + mark));
        sharded[_channelPrefix.Length + mark + written] = (byte)'}';
        return RedisChannel.Sharded(sharded);
    }

    /// <summary>The keys of a topic's position hash and stream.</summary>
    public (RedisKey Position, RedisKey Stream) HistoryKeys(ReadOnlySpan<char> topic)
    {
        string tag = _prefix + "h:{" + (Sharded && NeedsMark(topic) ? EmptyTagMark + topic.ToString() : topic.ToString()) + "}";
        return (tag + ":p", tag + ":s");
    }

    // Redis hashes a name whole when its first {…} is empty: then the three names of the topic would land on
    // different slots.
    private static bool NeedsMark(ReadOnlySpan<char> topic) => topic.IsEmpty || topic[0] == '}';
}
