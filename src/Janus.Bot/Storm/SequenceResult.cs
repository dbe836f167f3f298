namespace Janus.Bot.Storm;

/// <summary>What a number received on a topic was, against the ones before it.</summary>
internal enum SequenceResult
{
    /// <summary>The next one.</summary>
    InOrder,

    /// <summary>Higher than the next one: the numbers in between are missing (for now).</summary>
    Gap,

    /// <summary>One of the missing numbers, arriving late: out of order.</summary>
    FilledGap,

    /// <summary>Received before.</summary>
    Duplicate,
}
