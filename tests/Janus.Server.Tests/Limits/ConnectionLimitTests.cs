using System.Net;
using Janus.Protocol;
using Janus.Server.Limits;
using Janus.Server.Metrics;
using Janus.Server.Tests.Tcp;
using Janus.Server.Transports;
using Janus.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Limits;

/// <summary>
/// Connections in total, per client address and new per second per address, on the TCP port. Before, 3,000 connections
/// from one address were all accepted. A refused connection gets the protocol's error frame (and no greeting), and is
/// counted. To act as an untrusted client from loopback, the tests configure an empty trusted list.
/// </summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Past_MaxConnections_a_connection_gets_too_many_connections_and_a_place_frees_when_one_closes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(time, ("Janus:Limits:MaxConnections", "3"));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        var clients = new List<RawTcpClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                clients.Add(await server.ConnectTcpAsync());
            }

            // The total applies to trusted addresses too: it protects the process.
            await using (RawTcpClient refused = await server.ConnectTcpAsync(readGreeting: false))
            {
                await refused.SendAsync(Frames.Subscribe("t"));
                Assert.Single(await refused.ReadUntilClosedWithErrorAsync(ProtocolError.TooManyConnections));
            }

            Assert.Equal(1, metrics.Refused(ProtocolError.TooManyConnections));
            Assert.Equal(1, metrics.Errors(ProtocolError.TooManyConnections));
            Assert.Equal(3, server.GetRequiredService<ConnectionRegistry>().Count);

            await clients[0].DisposeAsync();
            clients.RemoveAt(0);
            await server.GetRequiredService<ConnectionRegistry>().WaitForCountAsync(2).WaitAsync(RawTcpClient.DefaultTimeout);
            clients.Add(await server.ConnectTcpAsync());
            await clients[^1].SubscribeAsync("t");
        }
        finally
        {
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_untrusted_address_past_MaxConnectionsPerAddress_gets_too_many_connections_from_address()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(
            time,
            ("Janus:Security:TrustedNetworks", ""),
            ("Janus:Limits:MaxConnectionsPerAddress", "2"));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();
        await using RawTcpClient first = await server.ConnectTcpAsync();
        await using RawTcpClient second = await server.ConnectTcpAsync();
        await using (RawTcpClient third = await server.ConnectTcpAsync(readGreeting: false))
        {
            Assert.Single(await third.ReadUntilClosedWithErrorAsync(ProtocolError.TooManyConnectionsFromAddress));
        }

        // Another address (127.0.0.2 is loopback too) has its own share.
        await using RawTcpClient other = await RawTcpClient.ConnectAsync(server.TcpEndPoint!, IPAddress.Parse("127.0.0.2"));
        await other.ReadMessageAsync();
        await other.SubscribeAsync("t");

        Assert.Equal(1, metrics.Refused(ProtocolError.TooManyConnectionsFromAddress));
        Assert.Equal(2, server.GetRequiredService<ConnectionLimiter>().TrackedAddresses);
    }

    [Fact]
    public async Task Trusted_addresses_are_exempt_from_the_per_address_limits()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(
            time,
            ("Janus:Limits:MaxConnectionsPerAddress", "2"),
            ("Janus:Limits:NewConnectionsPerSecondPerAddress", "2"));
        var clients = new List<RawTcpClient>();
        try
        {
            for (int i = 0; i < 10; i++)
            {
                clients.Add(await server.ConnectTcpAsync());
            }

            Assert.Equal(10, server.GetRequiredService<ConnectionRegistry>().Count);
            Assert.Equal(0, server.GetRequiredService<ConnectionLimiter>().TrackedAddresses);
        }
        finally
        {
            foreach (RawTcpClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_untrusted_address_connecting_too_fast_gets_connection_rate_limited_until_its_bucket_refills()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(
            time,
            ("Janus:Security:TrustedNetworks", ""),
            ("Janus:Limits:NewConnectionsPerSecondPerAddress", "3"));
        JanusMetrics metrics = server.GetRequiredService<JanusMetrics>();

        // Connecting and closing in a loop: closing gives no rate back.
        for (int i = 0; i < 3; i++)
        {
            await using RawTcpClient client = await server.ConnectTcpAsync();
        }

        await using (RawTcpClient refused = await server.ConnectTcpAsync(readGreeting: false))
        {
            Assert.Single(await refused.ReadUntilClosedWithErrorAsync(ProtocolError.ConnectionRateLimited));
        }

        Assert.Equal(1, metrics.Refused(ProtocolError.ConnectionRateLimited));

        // One second later the bucket holds three again.
        time.Advance(TimeSpan.FromSeconds(1));
        await using RawTcpClient later = await server.ConnectTcpAsync();
        await later.SubscribeAsync("t");
    }

    [Fact]
    public async Task The_limiter_forgets_an_address_once_it_has_nothing_open_and_a_full_bucket()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using JanusTestServer server = await LimitsTestServer.StartAsync(time, ("Janus:Security:TrustedNetworks", ""));
        ConnectionLimiter limiter = server.GetRequiredService<ConnectionLimiter>();
        await using (RawTcpClient client = await server.ConnectTcpAsync())
        {
            Assert.Equal(1, limiter.TrackedAddresses);
        }

        await server.GetRequiredService<ConnectionRegistry>().WaitForCountAsync(0).WaitAsync(RawTcpClient.DefaultTimeout);
        Assert.Equal(0, limiter.Open);
        LimitsTestServer.AdvanceUntil(time, () => limiter.TrackedAddresses == 0, maxSeconds: 3);
    }
}
