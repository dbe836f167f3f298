using Janus.Server.Options;
using Janus.Server.Security;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Security;

/// <summary>Topic patterns and the subscribe check: what matches, and that checking allocates nothing.</summary>
public sealed class TopicPatternTests
{
    [Theory]
    [InlineData("private:*", "private:a", true)]
    [InlineData("private:*", "private:", true)]
    [InlineData("private:*", "privat", false)]
    [InlineData("news", "news", true)]
    [InlineData("news", "news2", false)]
    [InlineData("*", "anything", true)]
    [InlineData("user:{sub}:*", "user:alice:inbox", true)]
    [InlineData("user:{sub}:*", "user:alice", false)]
    [InlineData("user:{sub}:*", "user::inbox", false)]
    [InlineData("room:{sub}", "room:alice", true)]
    [InlineData("room:{sub}", "room:", false)]
    public void A_protection_matches_for_any_subject(string pattern, string topic, bool matches)
    {
        Assert.True(TopicPattern.TryParse(pattern, allowSubject: true, out TopicPattern? parsed, out _));
        Assert.Equal(matches, parsed.MatchesAnySubject(topic, out _));
    }

    [Theory]
    [InlineData("user:{sub}:*", "alice", "user:alice:x", true)]
    [InlineData("user:{sub}:*", "alice", "user:bob:x", false)]
    [InlineData("user:{sub}:*", "alice", "user:alicex:x", false)]
    [InlineData("team:7:*", "alice", "team:7:chat", true)]
    public void A_grant_matches_only_its_own_subject(string pattern, string subject, string topic, bool matches)
    {
        Assert.True(TopicPattern.TryParse(pattern, allowSubject: true, out TopicPattern? parsed, out _));
        Assert.Equal(matches, parsed.Matches(topic, subject));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a*b")]
    [InlineData("**")]
    [InlineData("{sub}{sub}")]
    [InlineData("user:{sub}*")]
    public void Bad_patterns_are_refused(string pattern)
    {
        Assert.False(TopicPattern.TryParse(pattern, allowSubject: true, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void A_publish_scope_knows_no_subject()
    {
        Assert.False(TopicPattern.TryParse("user:{sub}:*", allowSubject: false, out _, out _));
    }

    [Fact]
    public void Checking_a_subscribe_allocates_nothing_for_public_or_protected_topics()
    {
        var options = new JanusOptions();
        options.Auth.Protected = ["private:*", "user:{sub}:*"];
        var authorizer = new SubscribeAuthorizer(Microsoft.Extensions.Options.Options.Create(options), new FakeTimeProvider(DateTimeOffset.UtcNow));
        DateTimeOffset expires = DateTimeOffset.UtcNow.AddHours(1);
        TopicPattern.TryParse("private:team:*", allowSubject: true, out TopicPattern? claim, out _);
        var grant = new SubscribeGrant("alice", [claim!], expires, expires);
        ReadOnlySpan<char> open = "news", team = "private:team:x", own = "user:alice:inbox", other = "user:bob:inbox";

        // Warm up, then count.
        authorizer.Check(open, grant, false);
        int allowed = 0, refused = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            allowed += authorizer.Check(open, null, false) == AuthorizationResult.Allowed ? 1 : 0;
            allowed += authorizer.Check(team, grant, false) == AuthorizationResult.Allowed ? 1 : 0;
            allowed += authorizer.Check(own, grant, false) == AuthorizationResult.Allowed ? 1 : 0;
            refused += authorizer.Check(other, grant, false) == AuthorizationResult.Unauthorized ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal((3000, 1000), (allowed, refused));
        Assert.Equal(0, allocated);
    }
}
