namespace Janus.Dashboard.Tests.Support;

/// <summary>The tests that share one browser (and so run one after the other).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
