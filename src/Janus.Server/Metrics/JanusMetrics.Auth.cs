using System.Diagnostics.Metrics;

namespace Janus.Server.Metrics;

/// <summary>The authorization counters (docs/security.md#authorization).</summary>
public sealed partial class JanusMetrics
{
    private static readonly string[] AuthRefusalNames = ["unauthorized", "invalid_token", "token_expired", "publish_scope"];

    private readonly long[] _authRefusals = new long[AuthRefusalNames.Length];

    /// <summary>Refusals for <paramref name="reason"/> since start.</summary>
    public long AuthRefusals(AuthRefusal reason) => Volatile.Read(ref _authRefusals[(int)reason]);

    /// <summary>Counts <paramref name="count"/> refusals for <paramref name="reason"/>.</summary>
    public void AuthRefused(AuthRefusal reason, int count = 1) => Interlocked.Add(ref _authRefusals[(int)reason], count);

    private IEnumerable<Measurement<long>> ObserveAuthRefusals()
    {
        for (int i = 0; i < _authRefusals.Length; i++)
        {
            yield return new Measurement<long>(Volatile.Read(ref _authRefusals[i]), new KeyValuePair<string, object?>("reason", AuthRefusalNames[i]));
        }
    }
}
