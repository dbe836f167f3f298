using System.Text.Json;
using Janus.Dashboard.Tests.Support;
using Janus.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Playwright;

namespace Janus.Dashboard.Tests.JanusJs;

/// <summary>janus.js's <c>token</c> option: sent in hello, refreshed before expiry, refusals per topic (docs/janus-js.md).</summary>
public sealed partial class JanusJsTests
{
    private const string TokenPath = "/test-token";

    /// <summary>A server protecting <c>private:*</c> that also serves the page and, at <see cref="TokenPath"/>, fresh tokens.</summary>
    private static Task<JanusTestServer> StartWithTokensAsync(TestTokens tokens, TimeSpan lifetime) =>
        JanusTestServer.StartAsync(tokens.Settings("private:*"), configureApp: app =>
        {
            app.MapGet(HarnessPath, static () => Results.Content(Harness, "text/html; charset=utf-8"));
            app.MapGet(TokenPath, () => Results.Text(tokens.Create("alice", ["private:a"], DateTimeOffset.UtcNow + lifetime)));
        });

    [Fact]
    public async Task A_token_opens_protected_topics_and_a_refused_topic_rejects_its_subscribe_while_the_connection_stays()
    {
        using TestTokens tokens = TestTokens.Hs256();
        await using JanusTestServer server = await StartWithTokensAsync(tokens, TimeSpan.FromMinutes(5));
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);
        string token = tokens.Create("alice", ["private:a"], DateTimeOffset.UtcNow.AddMinutes(5));

        JsonElement result = await EvalAsync<JsonElement>(page, $$"""
            async () => {
              const client = track(new Janus.Client({ token: "{{token}}" }));
              const denied = [];
              client.on("denied", (d) => denied.push(d));
              await client.connect();
              await client.subscribe("private:a", (m) => received.push(m));
              let refused = null;
              try { await client.subscribe("private:b", () => {}); } catch (e) { refused = e.code; }
              return { refused, denied, state: client.state, topics: client.topics };
            }
            """);

        Assert.Equal("unauthorized", result.GetProperty("refused").GetString());
        Assert.Equal("private:b", result.GetProperty("denied")[0].GetProperty("topic").GetString());
        Assert.Equal("open", result.GetProperty("state").GetString());
        Assert.Equal(["private:a"], Strings(result.GetProperty("topics")));

        await PublishOverHttpAsync(server.HttpBaseAddress, "private:a", new { n = 1 });
        await WaitForAsync(page, "() => received.length === 1");
        Assert.Equal(0, await EvalAsync<int>(page, "() => count('close')"));
    }

    [Fact]
    public async Task A_token_function_is_asked_again_before_expiry_and_the_protected_topic_keeps_delivering()
    {
        // Tokens of 4 s, refreshed 2 s before they expire: the server would end the subscription at 4 s without one.
        using TestTokens tokens = TestTokens.Hs256();
        await using JanusTestServer server = await StartWithTokensAsync(tokens, TimeSpan.FromSeconds(4));
        await using BrowserPage browserPage = await _browser.NewPageAsync();
        IPage page = await OpenHarnessAsync(browserPage, server.HttpBaseAddress);

        await EvalAsync(page, $$"""
            async () => {
              window.tokenCalls = 0;
              window.denied = [];
              const client = track(new Janus.Client({
                tokenRefreshBefore: 2000,
                token: async () => { tokenCalls++; return await (await fetch("{{TokenPath}}")).text(); },
              }));
              client.on("denied", (d) => denied.push(d));
              await client.connect();
              await client.subscribe("private:a", (m) => received.push(m));
            }
            """);

        // Three refreshes: past the first two tokens' expiries.
        await WaitForAsync(page, "() => tokenCalls >= 4");
        await PublishOverHttpAsync(server.HttpBaseAddress, "private:a", new { n = 1 });
        await WaitForAsync(page, "() => received.length === 1");
        Assert.Equal(0, await EvalAsync<int>(page, "() => denied.length"));
        Assert.Equal(0, await EvalAsync<int>(page, "() => count('close')"));
        browserPage.AssertNoErrors();
    }
}
