using System.Diagnostics;
using System.Globalization;
using CsCheck;
using Xunit.Abstractions;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Runs one fuzz target: CsCheck samples the generator (shrinking any failure to a small input), a watchdog fails the
/// run when one input takes longer than <see cref="HangSeconds"/> (a hang never returns, so the check cannot live in the
/// property), and a summary line goes to the test output and, when <c>JANUS_FUZZ_REPORT</c> names a file, to that file.
/// </summary>
/// <remarks>
/// Settings come from the environment so that the same tests serve CI and the long run (<c>fuzz/run</c>):
/// <c>JANUS_FUZZ_ITERATIONS</c> inputs per target (default <see cref="DefaultIterations"/>, a few seconds each),
/// <c>JANUS_FUZZ_SEED</c> a CsCheck seed to replay a reported failure, <c>JANUS_FUZZ_THREADS</c> (default 1: the
/// machine is shared, and allocation is measured per thread anyway).
/// </remarks>
internal sealed class FuzzRunner
{
    /// <summary>Inputs per target when <c>JANUS_FUZZ_ITERATIONS</c> is not set: enough to run a few seconds in CI.</summary>
    public const long DefaultIterations = 10_000;

    /// <summary>One input taking longer than this is reported as a hang.</summary>
    public const int HangSeconds = 20;

    private readonly string _target;
    private readonly ITestOutputHelper _output;
    private long _inputs;
    private long _maxAllocated;
    private long _maxInputLength;
    private long _maxTicks;
    private long _startedTicks;
    private volatile string? _current;
    private volatile object? _running;

    public FuzzRunner(string target, ITestOutputHelper output)
    {
        _target = target;
        _output = output;
    }

    public static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable("JANUS_FUZZ_ITERATIONS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : DefaultIterations;

    private static string? Seed => Environment.GetEnvironmentVariable("JANUS_FUZZ_SEED") is { Length: > 0 } seed ? seed : null;

    private static int Threads =>
        int.TryParse(Environment.GetEnvironmentVariable("JANUS_FUZZ_THREADS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : 1;

    /// <summary>
    /// Runs <paramref name="property"/> on <paramref name="warmUp"/> twice, the first time with allocation not checked
    /// (JIT and static constructors allocate once), the second time fully; then on <see cref="Iterations"/> generated
    /// inputs.
    /// </summary>
    /// <param name="gen">The input generator.</param>
    /// <param name="property">Throws when a property does not hold; returns the bytes the code under test allocated.</param>
    /// <param name="describe">The input as text, for the failure report and the hang report.</param>
    /// <param name="length">The input's size in bytes, for the allocation figures.</param>
    /// <param name="warmUp">Inputs run once before sampling.</param>
    public void Run<T>(Gen<T> gen, Func<T, long> property, Func<T, string> describe, Func<T, int> length, IEnumerable<T> warmUp)
    {
        T[] seeds = [.. warmUp];
        foreach (T input in seeds)
        {
            try
            {
                property(input);
            }
            catch (AllocationBudgetExceededException)
            {
                // First calls pay for type loading and static state; the second pass below checks the same inputs.
            }
        }

        foreach (T input in seeds)
        {
            property(input);
        }

        long iterations = Iterations;
        var stopwatch = Stopwatch.StartNew();
        Exception? failure = null;
        var worker = new Thread(() =>
        {
            try
            {
                gen.Sample(
                    input =>
                    {
                        _current = null;
                        _running = input;
                        Volatile.Write(ref _startedTicks, Stopwatch.GetTimestamp());
                        long started = Stopwatch.GetTimestamp();
                        long allocated;
                        try
                        {
                            allocated = property(input);
                        }
                        catch
                        {
                            // Only a failing input is described; describing every input would dominate the run.
                            _current = describe(input);
                            throw;
                        }
                        finally
                        {
                            Volatile.Write(ref _startedTicks, 0);
                        }

                        long ticks = Stopwatch.GetTimestamp() - started;
                        Interlocked.Increment(ref _inputs);
                        InterlockedMax(ref _maxTicks, ticks);
                        InterlockedMax(ref _maxAllocated, allocated);
                        InterlockedMax(ref _maxInputLength, length(input));
                    },
                    iter: iterations,
                    threads: Threads,
                    seed: Seed,
                    print: describe);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        {
            IsBackground = true,
            Name = "fuzz " + _target,
        };
        worker.Start();
        while (!worker.Join(200))
        {
            long started = Volatile.Read(ref _startedTicks);
            if (started != 0 && Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(HangSeconds))
            {
                // The worker is stuck in the code under test; it is a background thread, so it dies with the test host.
                string running = _running is T input ? describe(input) : "(unknown)";
                Assert.Fail($"{_target}: one input has been running for more than {HangSeconds} s (a hang) after {Interlocked.Read(ref _inputs)} inputs: {running}");
            }
        }

        stopwatch.Stop();
        string summary = string.Create(
            CultureInfo.InvariantCulture,
            $"{_target}: {Interlocked.Read(ref _inputs):N0} inputs in {stopwatch.Elapsed.TotalSeconds:F1} s, slowest {TimeSpan.FromTicks(Stopwatch.GetElapsedTime(0, _maxTicks).Ticks).TotalMilliseconds:F2} ms, most allocated by one input {_maxAllocated:N0} B, longest input {_maxInputLength:N0} B, {(failure is null ? "no failures" : "FAILED")}");
        _output.WriteLine(summary);
        if (Environment.GetEnvironmentVariable("JANUS_FUZZ_REPORT") is { Length: > 0 } report)
        {
            File.AppendAllText(report, summary + Environment.NewLine);
        }

        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException($"{_target} failed: {failure.Message}{Environment.NewLine}last failing input: {_current}", failure);
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        long current = Interlocked.Read(ref location);
        while (value > current)
        {
            long seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
