using Examples;
using Janus.Testing;
using Xunit.Abstractions;

namespace Janus.Client.Tests;

public sealed class ExampleTests(ITestOutputHelper log)
{
    [Fact]
    public async Task The_example_in_docs_client_md_runs_against_the_server()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        using var output = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        int received = await QuoteFeed.RunAsync(server.TcpEndPoint!, output, timeout.Token);

        Assert.Equal(2, received);
        string text = output.ToString();
        log.WriteLine(text);
        Assert.Contains("connected, sessions: True", text, StringComparison.Ordinal);
        Assert.Contains("quotes/quote #1: Quote { Symbol = JNS, Price = 12.50 }", text, StringComparison.Ordinal);
        Assert.Contains("quotes/quote #2: Quote { Symbol = JNS, Price = 12.75 }", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_client_md_shows_the_example_as_it_is_compiled()
    {
        string root = FindRepositoryRoot();
        string example = File.ReadAllText(Path.Combine(root, "tests", "Janus.Client.Tests", "Examples", "QuoteFeed.cs")).ReplaceLineEndings("\n");
        string docs = File.ReadAllText(Path.Combine(root, "docs", "client.md")).ReplaceLineEndings("\n");

        Assert.Contains(example.TrimEnd(), docs, StringComparison.Ordinal);
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Janus.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Janus.slnx not found above " + AppContext.BaseDirectory);
    }
}
