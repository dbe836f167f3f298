using System.Globalization;

namespace Janus.Web.Tests.Support;

/// <summary>
/// Parses the Prometheus text exposition format into series (<c>name{labels}</c>, as written) and values, and the
/// <c># TYPE</c> lines into metric types.
/// </summary>
internal sealed class PrometheusText
{
    private PrometheusText(Dictionary<string, double> series, Dictionary<string, string> types)
    {
        Series = series;
        Types = types;
    }

    public IReadOnlyDictionary<string, double> Series { get; }

    public IReadOnlyDictionary<string, string> Types { get; }

    public static PrometheusText Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                string[] parts = line.Split(' ');
                types[parts[2]] = parts[3];
                continue;
            }

            if (line[0] == '#')
            {
                continue;
            }

            // name{labels} value [timestamp]; label values here never contain spaces.
            string[] fields = line.Split(' ');
            Assert.True(fields.Length is 2 or 3, $"not a sample line: {line}");
            string name = fields[0].EndsWith("{}", StringComparison.Ordinal) ? fields[0][..^2] : fields[0];
            series[name] = double.Parse(fields[1], NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return new PrometheusText(series, types);
    }

    /// <summary>The value of a series, or 0 if absent (a counter that has not been created yet).</summary>
    public double Value(string series) => Series.TryGetValue(series, out double value) ? value : 0;
}
