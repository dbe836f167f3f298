namespace Janus.Bot.Workload;

/// <summary>
/// Draws ranks 0 … n-1 by Zipf's law: P(rank k) ∝ 1 / (k + 1)^s. The cumulative weights are computed once; a draw is
/// one uniform number and a binary search, with no allocation.
/// </summary>
internal sealed class ZipfSampler
{
    private readonly double[] _cumulative;

    public ZipfSampler(int count, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cumulative = new double[count];
        double sum = 0;
        for (int k = 0; k < count; k++)
        {
            sum += 1 / Math.Pow(k + 1, exponent);
            _cumulative[k] = sum;
        }
    }

    public int Count => _cumulative.Length;

    /// <summary>The probability of <paramref name="rank"/>.</summary>
    public double Probability(int rank) => (_cumulative[rank] - (rank == 0 ? 0 : _cumulative[rank - 1])) / _cumulative[^1];

    /// <summary>One rank, drawn with <paramref name="random"/>.</summary>
    public int Sample(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double u = random.NextDouble() * _cumulative[^1];
        int index = Array.BinarySearch(_cumulative, u);

        // Not found: the complement is the first weight above u, the rank whose band u falls in.
        return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
    }
}
