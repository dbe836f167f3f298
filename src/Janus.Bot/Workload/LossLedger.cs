namespace Janus.Bot.Workload;

/// <summary>
/// Holds what the clients received against what was published: which messages each client's topic was due, and how
/// many of them never came.
/// </summary>
/// <remarks>
/// A client reports one window per topic it held (<see cref="Fields"/> numbers each): the topic; when its subscribe
/// was acknowledged; when it started leaving (0: still there at the end); the first and last message number it
/// received on the topic and how many. A message was due to the window when the write that carried it began after the
/// acknowledgement arrived (the server had the subscription before it read the publish) and returned before the
/// client started leaving (a leaving client still reads for the linger, so what was in flight arrives). Messages
/// around those two moments may or may not come, and either is right: they count neither way.
/// Lost = due messages before the first received + due messages after the last received + gaps between the first and
/// the last. The gaps count whether due or not: a topic's messages go out in order over one connection, so once one
/// arrived, every later one up to the last received had to as well.
/// </remarks>
internal static class LossLedger
{
    /// <summary>Numbers per window: topic, ack µs, leave µs (0: connected at the end), first, last, count.</summary>
    public const int Fields = 6;

    public static LossTally Account(PublishLog log, int topics, IEnumerable<long[]> windowSets)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(windowSets);
        (int[] starts, long[] numbers) = log.ByTopic(topics);
        var tally = new LossTally();
        foreach (long[] windows in windowSets)
        {
            for (int w = 0; w + Fields <= windows.Length; w += Fields)
            {
                int topic = (int)windows[w];
                long ackUs = windows[w + 1], leaveUs = windows[w + 2], first = windows[w + 3], last = windows[w + 4], count = windows[w + 5];
                ReadOnlySpan<long> published = numbers.AsSpan(starts[topic], starts[topic + 1] - starts[topic]);

                // The write timestamps rise with the number: the due messages are one run of the topic's list.
                int firstDue = LowerBound(published, n => log.BeforeUs(n) > ackUs);
                int lastDue = (leaveUs == 0 ? published.Length : LowerBound(published, n => log.AfterUs(n) >= leaveUs)) - 1;
                long due = Math.Max(0, lastDue - firstDue + 1);
                tally.Windows++;
                tally.Due += due;
                if (count == 0)
                {
                    tally.Lost += due;
                    continue;
                }

                int firstIndex = published.BinarySearch(first);
                int lastIndex = published.BinarySearch(last);
                if (firstIndex < 0 || lastIndex < 0 || lastIndex - firstIndex + 1 < count)
                {
                    // A number this topic was never given (or more receipts than numbers): the receipts cannot be trusted.
                    tally.Unaccountable++;
                    continue;
                }

                long gaps = lastIndex - firstIndex + 1 - count;
                long before = Math.Max(0, Math.Min(firstIndex, lastDue + 1) - firstDue);
                long after = Math.Max(0, lastDue - Math.Max(lastIndex, firstDue - 1));
                tally.Lost += gaps + before + after;
            }
        }

        return tally;
    }

    /// <summary>The first index whose number satisfies <paramref name="above"/> (which, once true, stays true); the length when none does.</summary>
    private static int LowerBound(ReadOnlySpan<long> numbers, Func<long, bool> above)
    {
        int lo = 0, hi = numbers.Length;
        while (lo < hi)
        {
            int mid = lo + ((hi - lo) / 2);
            if (above(numbers[mid]))
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }
}
