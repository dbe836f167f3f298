using Janus.Server.Hosting;
using Microsoft.Extensions.Configuration;

namespace Janus.Server.Tests.Hosting;

/// <summary>The catalogue of configuration keys the executable checks settings against, read from the options classes.</summary>
public sealed class JanusSettingsTests
{
    [Fact]
    public void Every_bound_property_of_JanusOptions_is_a_known_setting_with_its_default()
    {
        JanusSettings settings = JanusSettings.Default;

        Assert.Equal("8081", settings.Find("Janus:Tcp:Port")?.Default);
        Assert.Equal("00:00:30", settings.Find("janus:heartbeat:interval")?.Default);
        Assert.Equal("Epoll", settings.Find("Janus:Tcp:Transport")?.Default);
        Assert.Equal("Epoll", settings.Find("Janus:Http:Transport")?.Default);
        Assert.NotNull(settings.Find("Janus:Security:ApiKeys:3"));
        // Not settings: a derived get-only property and an internal one the binder skips.
        Assert.Null(settings.Find("Janus:Cluster:Enabled"));
        Assert.Null(settings.Find("Janus:Limits:TransportReadBufferBytes"));
        Assert.True(settings.IsSection("Janus:Tcp"));
    }

    [Fact]
    public void A_new_options_class_with_lists_and_dictionaries_is_walked_without_a_hand_written_list()
    {
        JanusSettings settings = JanusSettings.For("Test", typeof(SampleOptions), new SampleOptions());

        Assert.Equal(
            ["Test:Name", "Test:Routes:*:Target", "Test:Routes:*:Weight", "Test:Ports:*", "Test:Inner:Timeout"],
            settings.All.Select(s => s.Key));
        Assert.Equal([], Check(settings, ("Test:Routes:eu:Target", "x"), ("Test:Ports:0", "1"), ("Test:Inner:Timeout", "00:00:01")));
        Assert.Equal(["Test:Routes:eu:Weight must be a whole number (got 'heavy')."], Check(settings, ("Test:Routes:eu:Weight", "heavy")));
        Assert.Equal(["Test:Inner:Timeot is not a Janus setting; did you mean Test:Inner:Timeout?"], Check(settings, ("Test:Inner:Timeot", "1")));
    }

    [Theory]
    [InlineData("Janus:Tcp:Prot", "Janus:Tcp:Port")]
    [InlineData("Janus:Http:Backlog", "Janus:Tcp:Backlog")]
    [InlineData("Janus:Limits:MaxQueueByte", "Janus:Limits:MaxQueueBytes")]
    [InlineData("Janus:Somewhere:Else", null)]
    public void Suggestions_are_the_closest_key_when_it_is_close(string key, string? suggestion) =>
        Assert.Equal(suggestion, JanusSettings.Default.Suggest(key));

    [Fact]
    public void Keys_outside_the_section_are_not_checked()
    {
        Assert.Empty(Check(JanusSettings.Default, ("Logging:LogLevel:Default", "Debug"), ("Kestrel:Anything", "1")));
    }

    private static IReadOnlyList<string> Check(JanusSettings settings, params (string Key, string Value)[] values) =>
        settings.Check(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    private sealed class SampleOptions
    {
        public string Name { get; set; } = "n";

        public Dictionary<string, RouteOptions> Routes { get; set; } = [];

        public List<int> Ports { get; } = [];

        public InnerOptions Inner { get; set; } = new();

        public int Derived => Ports.Count;
    }

    private sealed class RouteOptions
    {
        public string Target { get; set; } = "";

        public int Weight { get; set; } = 1;
    }

    private sealed class InnerOptions
    {
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);
    }
}
