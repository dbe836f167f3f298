namespace Janus.Bot.Tests;

/// <summary>
/// Meters are process-wide: OpenTelemetry's exporter in one test server also sees the <c>Janus</c> meter of every
/// other server alive in the test process, so a test that reads a count from <c>/metrics</c> runs alone, after the
/// parallel ones (as in Janus.Web.Tests). A real Janus process hosts one server.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetersCollection
{
    public const string Name = "Process-wide meters";
}
