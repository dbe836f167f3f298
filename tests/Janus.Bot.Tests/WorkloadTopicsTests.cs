using Janus.Bot.Workload;

namespace Janus.Bot.Tests;

/// <summary>The workload's interest: the Zipf sampler's shape, and which topics each client holds.</summary>
public sealed class WorkloadTopicsTests
{
    [Fact]
    public void Zipf_probabilities_fall_as_one_over_rank_to_the_s_and_sum_to_one()
    {
        var zipf = new ZipfSampler(1000, exponent: 1);

        double harmonic = Enumerable.Range(1, 1000).Sum(k => 1.0 / k);
        Assert.Equal(1 / harmonic, zipf.Probability(0), precision: 12);
        Assert.Equal(2, zipf.Probability(0) / zipf.Probability(1), precision: 9);
        Assert.Equal(10, zipf.Probability(0) / zipf.Probability(9), precision: 9);
        Assert.Equal(1, Enumerable.Range(0, 1000).Sum(zipf.Probability), precision: 9);

        var steeper = new ZipfSampler(10, exponent: 2);
        Assert.Equal(4, steeper.Probability(0) / steeper.Probability(1), precision: 9);
    }

    [Fact]
    public void Zipf_draws_follow_the_law()
    {
        const int Draws = 400_000;
        var zipf = new ZipfSampler(100, exponent: 1);
        var random = new Random(7);
        long[] counts = new long[100];
        for (int i = 0; i < Draws; i++)
        {
            counts[zipf.Sample(random)]++;
        }

        // The head within 3 % of its expectation (each count's standard deviation is under 0.6 % of it here), and the
        // tail is drawn too.
        for (int rank = 0; rank < 10; rank++)
        {
            double expected = zipf.Probability(rank) * Draws;
            Assert.InRange(counts[rank], expected * 0.97, expected * 1.03);
        }

        Assert.All(counts, c => Assert.True(c > 0));
        Assert.True(counts[0] > counts[1] && counts[1] > counts[4] && counts[4] > counts[49]);
    }

    [Fact]
    public void A_mixed_client_holds_distinct_topics_counted_uniformly_between_min_and_max_and_popular_ones_most()
    {
        var topics = WorkloadTopics.For(new WorkloadSpec { Shape = WorkloadShape.Mixed, Clients = 5000, Topics = 1000, MinTopicsPerClient = 1, MaxTopicsPerClient = 10 });
        Span<int> held = stackalloc int[topics.MaxPerClient];
        long[] byCount = new long[11];
        long[] holders = new long[1000];
        for (int client = 0; client < 5000; client++)
        {
            int count = topics.TopicsOf(client, held);
            Assert.InRange(count, 1, 10);
            Assert.Equal(count, held[..count].ToArray().Distinct().Count());
            byCount[count]++;
            foreach (int topic in held[..count])
            {
                holders[topic]++;
            }
        }

        // Uniform counts: 500 clients each, give or take ~5 standard deviations.
        for (int count = 1; count <= 10; count++)
        {
            Assert.InRange(byCount[count], 390, 610);
        }

        Assert.Equal("mixed-0", topics.Names[0]);
        Assert.True(holders[0] > holders[1] && holders[1] > holders[9] && holders[9] > holders[99] && holders[99] > holders[999]);
    }

    [Fact]
    public void The_same_spec_gives_every_process_the_same_topics()
    {
        var spec = new WorkloadSpec { Shape = WorkloadShape.Mixed, Clients = 100, Topics = 50, Seed = 3 };
        int[] first = new int[10], second = new int[10];
        for (int client = 0; client < 100; client++)
        {
            int a = WorkloadTopics.For(spec).TopicsOf(client, first);
            int b = WorkloadTopics.For(spec).TopicsOf(client, second);
            Assert.Equal(first[..a], second[..b]);
        }

        int[] other = new int[10];
        int[] mine = new int[10];
        int differ = Enumerable.Range(0, 100).Count(c =>
        {
            int n = WorkloadTopics.For(spec).TopicsOf(c, mine);
            int m = WorkloadTopics.For(new WorkloadSpec { Shape = WorkloadShape.Mixed, Clients = 100, Topics = 50, Seed = 4 }).TopicsOf(c, other);
            return !mine.AsSpan(0, n).SequenceEqual(other.AsSpan(0, m));
        });
        Assert.True(differ > 50, $"another seed changed only {differ} of 100 clients");
    }

    [Fact]
    public void A_steep_law_over_few_topics_still_gives_every_client_its_count()
    {
        var topics = WorkloadTopics.For(new WorkloadSpec { Shape = WorkloadShape.Mixed, Clients = 10, Topics = 5, MinTopicsPerClient = 5, MaxTopicsPerClient = 5, Exponent = 12 });
        int[] held = new int[5];
        Assert.Equal(5, topics.TopicsOf(3, held));
        Assert.Equal([0, 1, 2, 3, 4], held.Order());
    }

    [Fact]
    public void A_centrifugo_client_holds_its_personal_topic_and_its_group_of_ten()
    {
        var topics = WorkloadTopics.For(new WorkloadSpec { Shape = WorkloadShape.Centrifugo, Clients = 95, GroupSize = 10, PersonalShare = 0.25 });
        Assert.Equal(95 + 10, topics.Count);
        int[] held = new int[2];
        Assert.Equal(2, topics.TopicsOf(37, held));
        Assert.Equal("user-37", topics.Names[held[0]]);
        Assert.Equal("group-3", topics.Names[held[1]]);
        Assert.Equal(10, Enumerable.Range(0, 95).Count(c => topics.TopicsOf(c, held) == 2 && topics.Names[held[1]] == "group-3"));
        topics.TopicsOf(94, held);
        Assert.Equal("group-9", topics.Names[held[1]]);

        var random = new Random(1);
        int personal = Enumerable.Range(0, 40_000).Count(_ => topics.NextPublishTopic(random) < 95);
        Assert.InRange(personal, 9_400, 10_600);
    }
}
