using System.Security.Authentication;
using System.Text;
using Janus.Client.Tests.Support;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Testing;

namespace Janus.Client.Tests;

/// <summary><see cref="JanusClientOptions.UseTls"/> against the server's TLS port, with a certificate made for the test.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private readonly TestCertificate _certificate = TestCertificate.Create();
    private JanusTestServer _server = null!;

    public async Task InitializeAsync()
    {
        (string certificatePath, string keyPath) = _certificate.WritePem();
        _server = await JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Tls:TcpPort"] = "0",
            ["Janus:Tls:CertificatePath"] = certificatePath,
            ["Janus:Tls:KeyPath"] = keyPath,
        });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _certificate.Dispose();
    }

    private JanusClientOptions Tls(string? targetHost = "localhost") => new()
    {
        UseTls = true,
        TlsTargetHost = targetHost,
        TlsCertificateValidation = _certificate.Pin(),
    };

    [Fact]
    public async Task A_tls_client_opts_in_subscribes_publishes_and_receives_over_the_tls_port()
    {
        await using JanusClient subscriber = await JanusClient.ConnectAsync(_server.TcpTlsEndPoint!, Tls()).Within();
        Assert.Matches("^[0-9a-f]{32}$", subscriber.Token);
        await subscriber.AddTopicAsync("news").Within();

        await using JanusClient publisher = await JanusClient.ConnectAsync(_server.TcpTlsEndPoint!, Tls()).Within();
        await publisher.PublishAsync("news", "created", "1", """{"n":1}"""u8.ToArray()).Within();
        await JanusClient.PublishOnceAsync(_server.TcpTlsEndPoint!, "news", "created", "2", """{"n":2}"""u8.ToArray(), Tls()).Within();

        JanusMessage first = await subscriber.NextAsync();
        JanusMessage second = await subscriber.NextAsync();
        Assert.Equal(("1", 1), (first.MessageId, first.Data.GetProperty("n").GetInt32()));
        Assert.NotNull(first.Position);
        Assert.Equal("""{"n":2}""", Encoding.UTF8.GetString(second.RawData.Span));
        Assert.Equal(2, _server.GetRequiredService<JanusMetrics>().Publishes(TransportKind.Tcp));
    }

    [Fact]
    public async Task Disposing_a_tls_client_ends_its_connection_on_the_server()
    {
        JanusMetrics metrics = _server.GetRequiredService<JanusMetrics>();
        JanusClient client = await JanusClient.ConnectAsync(_server.TcpTlsEndPoint!, Tls()).Within();
        Assert.Equal(1, metrics.CurrentConnections(TransportKind.Tcp));

        await client.DisposeAsync().AsTask().Within();

        await Eventually.WaitUntilAsync(() => metrics.CurrentConnections(TransportKind.Tcp) == 0, () => "the server to see the TLS client's close");
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_refused()
    {
        // The pin accepts this certificate but, like the system's check, never a name it was not issued for.
        await Assert.ThrowsAsync<AuthenticationException>(() => JanusClient.ConnectAsync(_server.TcpTlsEndPoint!, Tls("push.example.com")).Within());
    }

    [Fact]
    public async Task An_untrusted_certificate_is_refused_by_default()
    {
        var options = new JanusClientOptions { UseTls = true, TlsTargetHost = "localhost" };
        await Assert.ThrowsAsync<AuthenticationException>(() => JanusClient.ConnectAsync(_server.TcpTlsEndPoint!, options).Within());
    }

    [Fact]
    public async Task The_server_name_defaults_to_the_address_connected_to()
    {
        // The certificate names 127.0.0.1 too: connecting by address with no TlsTargetHost checks that name.
        await using JanusClient client = await JanusClient.ConnectAsync(_server.TcpTlsEndPoint!, Tls(targetHost: null)).Within();
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task A_tls_client_on_the_plain_port_fails_to_connect_instead_of_hanging()
    {
        var options = Tls();
        options.ConnectTimeout = TimeSpan.FromSeconds(5);
        Exception failed = await Assert.ThrowsAnyAsync<Exception>(() => JanusClient.ConnectAsync(_server.TcpEndPoint!, options).Within());
        Assert.True(failed is AuthenticationException or IOException or TimeoutException, failed.ToString());
    }
}
