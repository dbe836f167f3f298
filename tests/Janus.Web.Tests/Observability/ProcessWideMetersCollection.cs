namespace Janus.Web.Tests.Observability;

/// <summary>
/// Meters are process-wide: OpenTelemetry's exporter in one test server also sees the <c>Janus</c> meter of every
/// other server alive in the test process (and stops seeing a name when another server's meter with that name is
/// disposed). Tests that read <c>/metrics</c> therefore run alone, after the parallel ones. A real Janus process hosts
/// one server, so this is a test-only concern.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetersCollection
{
    public const string Name = "Process-wide meters";
}
