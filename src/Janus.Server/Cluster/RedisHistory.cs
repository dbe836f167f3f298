using System.Globalization;
using Janus.Server.Fanout;
using StackExchange.Redis;
using StreamPosition = Janus.Protocol.StreamPosition;

namespace Janus.Server.Cluster;

/// <summary>
/// Topic positions and history in Redis, for topics that keep history in a cluster: one hash per topic (its epoch
/// <c>e</c> and last offset <c>o</c>) and one stream (its last messages, entry id <c>&lt;offset&gt;-1</c>, field
/// <c>m</c> holding the format-1 cluster payload). Both keys carry the topic as a hash tag
/// (<c>{prefix}h:{topic}:p</c>, <c>…:s</c>; see <see cref="RedisLayout"/>), so a Redis Cluster keeps them in one slot,
/// the slot of the topic's sharded channel too.
/// </summary>
/// <remarks>
/// Each publish is one script run (EVALSHA once the script is cached): it creates the epoch if the topic has none
/// (and drops a stream left from an earlier epoch), takes the next offset, appends to the stream trimmed to about the
/// history size, renews the keys' expiry to the history's age bound (they expire together, so offsets restart only
/// with a new epoch), and publishes the positioned payload on the topic's channel. Numbering, storing and publishing
/// are one atomic step, so the channel's order is the offsets' order and every node sees the same positions.
/// </remarks>
internal static class RedisHistory
{
    // KEYS: position hash, stream. ARGV: candidate epoch, max length, ttl ms, format-1 payload, channel.
    private const string PublishScript = """
        local e = redis.call('HGET', KEYS[1], 'e')
        if not e then
          e = ARGV[1]
          redis.call('DEL', KEYS[2])
          redis.call('HSET', KEYS[1], 'e', e)
        end
        local o = redis.call('HINCRBY', KEYS[1], 'o', 1)
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], o .. '-1', 'm', ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        redis.call('PUBLISH', ARGV[5], '\2' .. o .. ':' .. e .. ':' .. ARGV[4])
        return o
        """;

    // The same for a Redis Cluster: the channel is a sharded channel in the keys' slot (a script may touch one slot only).
    private static readonly string ShardedPublishScript = PublishScript.Replace("'PUBLISH'", "'SPUBLISH'", StringComparison.Ordinal);

    // KEYS: position hash, stream. ARGV: candidate epoch, ttl ms, since offset (-1: none), since epoch.
    // Returns {epoch, offset} and, when the epoch matches and something follows the position, the stream's entries after it.
    private const string ReadScript = """
        local e = redis.call('HGET', KEYS[1], 'e')
        if not e then
          e = ARGV[1]
          redis.call('DEL', KEYS[2])
          redis.call('HSET', KEYS[1], 'e', e)
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        local o = tonumber(redis.call('HGET', KEYS[1], 'o') or '0')
        local since = tonumber(ARGV[3])
        if since < 0 or e ~= ARGV[4] or since >= o then
          return {e, o}
        end
        return {e, o, redis.call('XRANGE', KEYS[2], (since + 1) .. '-0', '+')}
        """;

    /// <summary>
    /// Runs the publish script; the task's result is the offset Redis assigned. A sharded channel is published with
    /// <c>SPUBLISH</c>, a classic one with <c>PUBLISH</c>.
    /// </summary>
    public static Task<RedisResult> PublishAsync(IDatabase database, (RedisKey Position, RedisKey Stream) keys, int size, TimeSpan ttl, byte[] payload, RedisChannel channel) =>
        database.ScriptEvaluateAsync(
            channel.IsSharded ? ShardedPublishScript : PublishScript,
            [keys.Position, keys.Stream],
            [Topic.NewEpoch(), size, Math.Max(1, (long)ttl.TotalMilliseconds), payload, channel.ToString()]);

    /// <summary>Reads a topic's position and what its stream holds after <paramref name="since"/>.</summary>
    public static async Task<SharedHistoryRead> ReadAsync(IDatabase database, (RedisKey Position, RedisKey Stream) keys, TimeSpan ttl, StreamPosition? since)
    {
        RedisResult result = await database.ScriptEvaluateAsync(
            ReadScript,
            [keys.Position, keys.Stream],
            [Topic.NewEpoch(), Math.Max(1, (long)ttl.TotalMilliseconds), since?.Offset ?? -1, since?.Epoch ?? ""]).ConfigureAwait(false);
        RedisResult[] parts = (RedisResult[])result!;
        string epoch = (string)parts[0]!;
        long offset = (long)parts[1];
        var current = new StreamPosition(offset, epoch);
        if (since is not { } from)
        {
            return new SharedHistoryRead(current, null, []);
        }

        if (from.Epoch != epoch || from.Offset > offset)
        {
            return new SharedHistoryRead(current, false, []);
        }

        if (from.Offset == offset)
        {
            return new SharedHistoryRead(current, true, []);
        }

        var entries = new List<SharedHistoryEntry>();
        RedisResult[] stream = parts.Length > 2 ? (RedisResult[])parts[2]! : [];
        long expected = from.Offset + 1;
        foreach (RedisResult item in stream)
        {
            RedisResult[] entry = (RedisResult[])item!;
            string id = (string)entry[0]!;
            RedisResult[] fields = (RedisResult[])entry[1]!;
            if (!long.TryParse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture, out long entryOffset)
                || entryOffset != expected || fields.Length < 2)
            {
                // A gap (the stream was trimmed past the position): nothing is replayed.
                return new SharedHistoryRead(current, false, []);
            }

            byte[] payload = (byte[])fields[1]!;
            if (!ClusterMessage.TryRead(payload, out ClusterMessage message))
            {
                return new SharedHistoryRead(current, false, []);
            }

            entries.Add(new SharedHistoryEntry(entryOffset, message.Timestamp, message.Body.ToArray()));
            expected++;
        }

        return expected == offset + 1 ? new SharedHistoryRead(current, true, entries) : new SharedHistoryRead(current, false, []);
    }
}
