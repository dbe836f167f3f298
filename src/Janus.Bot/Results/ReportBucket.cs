namespace Janus.Bot.Results;

/// <summary>One line of the original report's histogram: latencies above the previous edge up to this one.</summary>
internal sealed record ReportBucket(double EdgeMs, long Count, double Percent);
