using System.Diagnostics.Metrics;

namespace Janus.Server.Metrics;

/// <summary>
/// HTTP requests the edge refused before they reached an endpoint's work: <c>janus.http.refused</c> by
/// <c>reason</c> (<c>host_not_allowed</c>, <c>origin_not_allowed</c>, <c>missing_api_key</c>,
/// <c>invalid_api_key</c>, <c>secret_in_url</c>). On the <c>Janus</c> meter, beside <see cref="JanusMetrics"/>.
/// </summary>
public sealed class HttpRefusals
{
    private readonly Counter<long> _refused;

    /// <summary>Creates the counter on the <c>Janus</c> meter.</summary>
    public HttpRefusals(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter meter = meterFactory.Create(JanusMetrics.MeterName);
        _refused = meter.CreateCounter<long>("janus.http.refused", "{request}", "HTTP requests refused at the edge (host, origin, read key, secret in the URL), by reason.");
    }

    /// <summary>Counts one refusal.</summary>
    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
