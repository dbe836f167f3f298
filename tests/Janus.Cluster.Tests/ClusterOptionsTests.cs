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
    public async Task A_bad_cluster_setting_stops_the_start_and_names_its_key(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Janus:Cluster:Redis"] = "127.0.0.1:1,connectTimeout=200",
            [key] = value,
        };

        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => JanusTestServer.StartAsync(settings));
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
