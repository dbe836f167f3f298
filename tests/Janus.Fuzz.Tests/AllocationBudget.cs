namespace Janus.Fuzz.Tests;

/// <summary>
/// The bound on what one input may make the code under test allocate: a constant (an exception the parser throws and
/// catches costs a few KiB) plus a multiple of the input's size. Anything above is unbounded allocation.
/// </summary>
internal readonly record struct AllocationBudget(long FixedBytes, int BytesPerInputByte)
{
    /// <summary>Measures what <paramref name="action"/> allocates on this thread.</summary>
    public static long Measure<TState>(TState state, Action<TState> action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action(state);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Fails when <paramref name="allocated"/> exceeds the bound for an input of <paramref name="inputLength"/> bytes.</summary>
    public void Check(long allocated, long inputLength)
    {
        long limit = FixedBytes + (BytesPerInputByte * inputLength);
        if (allocated > limit)
        {
            throw new AllocationBudgetExceededException($"allocated {allocated} B for a {inputLength} B input; the bound is {FixedBytes} + {BytesPerInputByte} x {inputLength} = {limit} B");
        }
    }
}
