using Janus.Bot.Workload;

namespace Janus.Bot.Tests;

/// <summary>The loss accounting: which messages a client's topic was due, and what is lost, held against a hand-made publish log.</summary>
public sealed class LossLedgerTests
{
    /// <summary>Ten messages to topic 0 (numbers 1, 3, 5, … 19) and ten to topic 1 (2, 4, … 20); message n written from n·100 µs to n·100 + 10 µs.</summary>
    private static PublishLog Log()
    {
        var log = new PublishLog();
        for (int n = 1; n <= 20; n++)
        {
            log.Add(topic: (n - 1) % 2, beforeUs: n * 100, afterUs: (n * 100) + 10);
        }

        return log;
    }

    private static LossTally Account(params long[] windows) => LossLedger.Account(Log(), topics: 2, [windows]);

    [Fact]
    public void A_client_there_from_the_start_that_got_everything_lost_nothing()
    {
        LossTally tally = Account(0, 50, 0, 1, 19, 10);
        Assert.Equal(1, tally.Windows);
        Assert.Equal(10, tally.Due);
        Assert.Equal(0, tally.Lost);
    }

    [Fact]
    public void Gaps_and_a_missing_head_or_tail_are_lost()
    {
        Assert.Equal(2, Account(0, 50, 0, 1, 19, 8).Lost);                // two gaps between 1 and 19
        Assert.Equal(1, Account(0, 50, 0, 3, 19, 9).Lost);                // 1 never came
        Assert.Equal(3, Account(0, 50, 0, 1, 13, 7).Lost);                // 15, 17, 19 never came
        Assert.Equal(10, Account(0, 50, 0, 0, 0, 0).Lost);                // nothing came
        Assert.Equal(10 + 0, Account(0, 50, 0, 0, 0, 0, 1, 50, 0, 2, 20, 10).Lost); // the other topic's client is whole
    }

    [Fact]
    public void Only_messages_written_after_the_ack_and_before_the_leave_are_due()
    {
        // Acked at 650 µs: message 7 (written 700-710) is the first due; leaving at 1,500 µs: 13 (1,300-1,310) is the
        // last, 15 (1,500-1,510) began at the leave and is not. Due: 7, 9, 11, 13.
        Assert.Equal(4, Account(0, 650, 1500, 0, 0, 0).Due);
        Assert.Equal(0, Account(0, 650, 1500, 7, 13, 4).Lost);

        // Getting messages from before the ack (it was subscribed already) or in the linger is no loss either.
        Assert.Equal(0, Account(0, 650, 1500, 5, 17, 7).Lost);

        // A write under way at the ack (500-510 with the ack at 505) is not due, received or not.
        Assert.Equal(0, Account(0, 505, 0, 7, 19, 7).Lost);
        Assert.Equal(7, Account(0, 505, 0, 7, 19, 7).Due);

        // Missing the first due one, or the last, is loss.
        Assert.Equal(1, Account(0, 650, 1500, 9, 13, 3).Lost);
        Assert.Equal(1, Account(0, 650, 1500, 7, 11, 3).Lost);
        Assert.Equal(4, Account(0, 650, 1500, 0, 0, 0).Lost);
    }

    [Fact]
    public void A_gap_after_the_first_receipt_is_loss_even_outside_the_due_run()
    {
        // 5 arrived before the ack was due, then 7 is missing while 9 came: once a topic's message arrived, the later
        // ones had to as well.
        Assert.Equal(1, Account(0, 650, 0, 5, 19, 7).Lost);
    }

    [Fact]
    public void Receipts_that_do_not_match_the_log_are_unaccountable()
    {
        LossTally tally = Account(0, 50, 0, 2, 19, 10);   // 2 went to topic 1
        Assert.Equal(1, tally.Unaccountable);
        Assert.Equal(0, tally.Lost);
        Assert.Equal(1, Account(0, 50, 0, 1, 5, 4).Unaccountable); // four receipts for three numbers
    }
}
