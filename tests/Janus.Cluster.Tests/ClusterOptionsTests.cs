using Janus.Testing;
using Microsoft.Extensions.Options;

namespace Janus.Cluster.Tests;

public sealed class ClusterOptionsTests
{
    [Theory]
    [InlineData("Janus:Cluster:NodeId", "has space", "Janus:Cluster:NodeId")]
    [InlineData("Janus:Cluster:Redis", "127.0.0.1:6379,nonsense=1", "Janus:Cluster:Redis")]
    [InlineData("Janus:Cluster:PeerTimeout", "00:00:00.100", "Janus:Cluster:PeerTimeout")]
    [InlineData("Janus:Cluster:ChannelPrefix", "", "Janus:Cluster:ChannelPrefix")]
    [InlineData("Janus:Cluster:ChannelPrefix", "app{1}:", "Janus:Cluster:ChannelPrefix")]
    [InlineData("Janus:Cluster:RedisMode", "Sentinel", "serviceName")]
    [InlineData("Janus:Cluster:Redis", "127.0.0.1:26379,serviceName=mymaster,connectTimeout=200", "Janus:Cluster:RedisMode")]
    public async Task A_bad_cluster_setting_stops_the_start_and_names_its_key(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Janus:Cluster:Redis"] = "127.0.0.1:1,connectTimeout=200",
            // Standalone, so that a Sentinel connection string is refused for the mode it contradicts.
            ["Janus:Cluster:RedisMode"] = key == "Janus:Cluster:Redis" && value.Contains("serviceName", StringComparison.Ordinal) ? "Standalone" : null,
            [key] = value,
        };

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => JanusTestServer.StartAsync(settings));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_brace_in_the_prefix_is_kept_for_a_single_Redis_said_so()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using JanusTestServer node = await ClusterNodes.StartAsync(redis, "node-a", "app{1}:", settings: new Dictionary<string, string?> { ["Janus:Cluster:RedisMode"] = "Standalone" });
        Assert.Equal(Janus.Server.Options.ClusterRedisMode.Standalone, node.Cluster().Mode);
    }

    [Fact]
    public async Task Auto_mode_finds_a_single_Redis_standalone_and_keeps_classic_channels()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        await using JanusTestServer node = await ClusterNodes.StartAsync(redis, "node-a", ClusterNodes.NewPrefix());
        await node.WaitForConnectionAsync(connected: true);
        Assert.Equal(Janus.Server.Options.ClusterRedisMode.Standalone, node.Cluster().Mode);
        Assert.False(node.Cluster().ShardedChannels);
        Assert.False(node.Cluster().TopicChannel("news").IsSharded);
    }
}
