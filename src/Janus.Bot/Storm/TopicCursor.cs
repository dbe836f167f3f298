namespace Janus.Bot.Storm;

/// <summary>
/// One client's view of one topic: the publisher's numbers it received (the highest and a 64-number window below it,
/// as IPsec's anti-replay window, so lost, duplicated and out-of-order numbers are told apart with no set per client)
/// and its position (offset and epoch) for a resume.
/// </summary>
internal struct TopicCursor
{
    /// <summary>Window size: a number more than this far below the highest is counted as a duplicate.</summary>
    public const int WindowSize = 64;

    /// <summary>The highest number received; 0 before the first.</summary>
    public long Highest;

    /// <summary>Bit i: number <c>Highest − i</c> was received.</summary>
    public ulong Window;

    /// <summary>The position: the last offset received or answered, in the epoch at index <see cref="Epoch"/> of the loop's table.</summary>
    public long Offset;
    public int Epoch;

    /// <summary>The position the resume (or subscribe) answer named: deliveries up to it are replays; reaching it is caught up.</summary>
    public long TargetOffset;
    public int TargetEpoch;

    public static TopicCursor Start() => new() { Window = 1, Epoch = -1, TargetEpoch = -1 };

    /// <summary>Counts number <paramref name="sequence"/> in; returns what it was.</summary>
    public SequenceResult Track(long sequence)
    {
        if (sequence > Highest)
        {
            long step = sequence - Highest;
            Window = step >= WindowSize ? 1 : (Window << (int)step) | 1;
            Highest = sequence;
            return step == 1 ? SequenceResult.InOrder : SequenceResult.Gap;
        }

        long distance = Highest - sequence;
        if (distance >= WindowSize)
        {
            return SequenceResult.Duplicate;
        }

        ulong bit = 1UL << (int)distance;
        if ((Window & bit) != 0)
        {
            return SequenceResult.Duplicate;
        }

        Window |= bit;
        return SequenceResult.FilledGap;
    }
}
