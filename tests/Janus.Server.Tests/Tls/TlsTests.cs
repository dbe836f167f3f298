using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Janus.Protocol;
using Janus.Server.Tests.Tcp;
using Janus.Server.Transports.Tls;
using Janus.Testing;
using Microsoft.Extensions.Options;

namespace Janus.Server.Tests.Tls;

/// <summary>
/// TLS on both listeners, with a certificate made for the test (<see cref="TestCertificate"/>): the TCP protocol port
/// over TLS on the epoll transport, WebSocket over <c>wss://</c> and HTTP publish over <c>https://</c>, each beside
/// its plain port.
/// </summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificate _certificate = TestCertificate.Create();

    public void Dispose() => _certificate.Dispose();

    private static Dictionary<string, string?> Settings(string certificatePath, string keyPath = "", string password = "", Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Janus:Tls:TcpPort"] = "0",
            ["Janus:Tls:HttpsPort"] = "0",
            ["Janus:Tls:CertificatePath"] = certificatePath,
            ["Janus:Tls:KeyPath"] = keyPath,
            ["Janus:Tls:Password"] = password,
        };
        foreach (KeyValuePair<string, string?> setting in more ?? [])
        {
            settings[setting.Key] = setting.Value;
        }

        return settings;
    }

    private Task<JanusTestServer> StartAsync(Dictionary<string, string?>? more = null)
    {
        (string certificatePath, string keyPath) = _certificate.WritePem();
        return JanusTestServer.StartAsync(Settings(certificatePath, keyPath, more: more));
    }

    private Task<TlsTcpClient> ConnectTlsAsync(JanusTestServer server, SslProtocols protocols = SslProtocols.None, int? receiveBufferSize = null) =>
        TlsTcpClient.ConnectAsync(server.TcpTlsEndPoint!, _certificate.Pin(), protocols: protocols, receiveBufferSize: receiveBufferSize);

    private HttpClient CreateHttpsClient(JanusTestServer server)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = _certificate.Pin();
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{server.HttpsEndPoint!.Port}/") };
    }

    private static async Task SubscribeAsync(TlsTcpClient client, string topic)
    {
        await client.SendAsync(Frames.Subscribe(topic));
        Assert.Equal("ACK", await client.ReadMessageAsync());
    }

    [Fact]
    public async Task The_tcp_protocol_over_tls_greets_acks_and_delivers_the_same_bytes_as_the_plain_port_beside_it()
    {
        await using JanusTestServer server = await StartAsync();
        Assert.NotEqual(server.TcpEndPoint!.Port, server.TcpTlsEndPoint!.Port);

        await using TlsTcpClient secure = await ConnectTlsAsync(server);
        string greeting = await secure.ReadMessageAsync();
        Assert.StartsWith("{\"timestamp\":[", greeting, StringComparison.Ordinal);
        Assert.Contains("\"token\":", greeting, StringComparison.Ordinal);
        Assert.Equal(_certificate.Certificate.Thumbprint, new X509Certificate2(secure.Stream.RemoteCertificate!).Thumbprint);
        Assert.True(secure.Stream.SslProtocol is SslProtocols.Tls12 or SslProtocols.Tls13);
        await SubscribeAsync(secure, "prices");

        await using RawTcpClient plain = await server.ConnectTcpAsync();
        await plain.SubscribeAsync("prices");

        await using RawTcpClient publisher = await server.ConnectTcpAsync();
        await publisher.SendAsync("PUBLISH\0{\"topic\":\"prices\",\"event\":\"tick\",\"message_id\":7,\"data\":{\"bid\":1.5}}\0");

        byte[]? overTls = await secure.TryReadMessageBytesAsync();
        byte[]? overPlain = await plain.TryReadMessageBytesAsync(RawTcpClient.DefaultTimeout);
        Assert.NotNull(overTls);
        Assert.Equal(overPlain, overTls);
        Assert.Equal("prices", Delivery.Parse(Encoding.UTF8.GetString(overTls)).Topic);
    }

    [Fact]
    public async Task A_publish_over_tls_reaches_subscribers_on_both_ports_and_its_connection_then_ends()
    {
        await using JanusTestServer server = await StartAsync();
        await using TlsTcpClient secure = await ConnectTlsAsync(server);
        await secure.ReadMessageAsync();
        await SubscribeAsync(secure, "news");
        await using RawTcpClient plain = await server.ConnectTcpAsync();
        await plain.SubscribeAsync("news");

        await using TlsTcpClient publisher = await ConnectTlsAsync(server);
        await publisher.ReadMessageAsync();
        await publisher.SendAsync("<regular-socket/>\0PUBLISH\0{\"topic\":\"news\",\"data\":\"over tls\"}");

        Assert.Equal("\"over tls\"", Delivery.Parse(await secure.ReadMessageAsync()).Data);
        Assert.Equal("\"over tls\"", (await plain.ReadDeliveryAsync()).Data);

        // The original protocol closes a publisher's connection after the body: over TLS too, and promptly.
        Assert.Empty(await publisher.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task An_error_frame_over_tls_is_followed_by_a_clean_end_of_stream_not_a_close_timeout()
    {
        // A close that waited for its deadline would take 30 s here.
        await using JanusTestServer server = await StartAsync(new() { ["Janus:Limits:CloseTimeout"] = "00:00:30" });
        await using TlsTcpClient client = await ConnectTlsAsync(server);
        await client.ReadMessageAsync();

        var clock = Stopwatch.StartNew();
        await client.SendAsync("NONSENSE\0");
        IReadOnlyList<string> messages = await client.ReadUntilClosedAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the close took {clock.Elapsed}");
        TcpClientExtensions.AssertErrorFrame(Assert.Single(messages), ProtocolError.UnknownFrame);
    }

    [Fact]
    public async Task The_tcp_protocol_over_tls_runs_on_kestrels_socket_transport_too()
    {
        await using JanusTestServer server = await StartAsync(new() { ["Janus:Tcp:Transport"] = "Sockets", ["Janus:Limits:CloseTimeout"] = "00:00:30" });
        await using TlsTcpClient subscriber = await ConnectTlsAsync(server);
        await subscriber.ReadMessageAsync();
        await SubscribeAsync(subscriber, "news");
        await using (RawTcpClient publisher = await server.ConnectTcpAsync())
        {
            await publisher.SendAsync("PUBLISH\0{\"topic\":\"news\",\"data\":1}\0");
        }

        Assert.Equal("1", Delivery.Parse(await subscriber.ReadMessageAsync()).Data);

        var clock = Stopwatch.StartNew();
        await subscriber.SendAsync("NONSENSE\0");
        TcpClientExtensions.AssertErrorFrame(Assert.Single(await subscriber.ReadUntilClosedAsync()), ProtocolError.UnknownFrame);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the close took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_tls_subscriber_that_reads_late_still_gets_every_message_up_to_the_last_byte()
    {
        // More than the kernel's socket buffers hold (up to 4 MiB on loopback), unread until all is queued: the
        // server's writes wait for room, and the epoll transport then keeps the rest of a record for the next flush,
        // which TLS never makes on its own: the last bytes would stay on the server.
        await using JanusTestServer server = await StartAsync(new() { ["Janus:Limits:MaxQueueBytes"] = (64 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await using TlsTcpClient subscriber = await ConnectTlsAsync(server, receiveBufferSize: 4096);
        await subscriber.ReadMessageAsync();
        await SubscribeAsync(subscriber, "bulk");

        const int Batches = 16;
        const int PerBatch = 400;
        string data = new('x', 2000);
        using HttpClient http = new() { BaseAddress = server.HttpBaseAddress };
        for (int b = 0; b < Batches; b++)
        {
            var batch = Enumerable.Range(b * PerBatch, PerBatch).Select(i => new { topic = "bulk", message_id = i, data }).ToArray();
            HttpResponseMessage response = await http.PostAsJsonAsync("api/publish", batch);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        for (int i = 0; i < Batches * PerBatch; i++)
        {
            string message;
            do
            {
                message = await subscriber.ReadMessageAsync();
            }
            while (message == "PING");

            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), Delivery.Parse(message).MessageId);
        }
    }

    [Fact]
    public async Task WebSocket_over_wss_and_publish_over_https_work_beside_the_plain_http_port()
    {
        await using JanusTestServer server = await StartAsync();
        using var socket = new ClientWebSocket();
        socket.Options.RemoteCertificateValidationCallback = _certificate.Pin();
        using var timeout = new CancellationTokenSource(RawTcpClient.DefaultTimeout);
        await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{server.HttpsEndPoint!.Port}/ws"), timeout.Token);
        Assert.StartsWith("{\"timestamp\":[", await ReceiveTextAsync(socket, timeout.Token), StringComparison.Ordinal);
        await socket.SendAsync("{\"action\":\"subscribe\",\"data\":\"alerts\"}"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
        Assert.Equal("ACK", await ReceiveTextAsync(socket, timeout.Token));

        // Answered after TLS by the direct path, not by Kestrel's HTTP pipeline.
        Assert.Equal(1, server.GetRequiredService<Janus.Server.Metrics.JanusMetrics>().WebSocketUpgrades(direct: true));

        using HttpClient https = CreateHttpsClient(server);
        HttpResponseMessage response = await https.PostAsJsonAsync("api/publish", new { topic = "alerts", data = "over https" }, timeout.Token);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
        Assert.Equal("\"over https\"", Delivery.Parse(await ReceiveTextAsync(socket, timeout.Token)).Data);

        // The plain HTTP port still answers beside it.
        using HttpClient plain = new() { BaseAddress = server.HttpBaseAddress };
        Assert.True((await plain.PostAsJsonAsync("api/publish", new { topic = "alerts", data = "over http" }, timeout.Token)).IsSuccessStatusCode);
        Assert.Equal("\"over http\"", Delivery.Parse(await ReceiveTextAsync(socket, timeout.Token)).Data);
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls_1_2_and_1_3_are_served(SslProtocols protocol)
    {
        await using JanusTestServer server = await StartAsync();
        await using TlsTcpClient client = await ConnectTlsAsync(server, protocol);
        Assert.Equal(protocol, client.Stream.SslProtocol);
        await client.ReadMessageAsync();
    }

    [Fact]
    public async Task Tls_1_1_is_refused()
    {
        // If this machine's TLS library will not even offer 1.1, the client fails before the server is asked; either
        // way no TLS 1.1 connection is made. The server side is pinned by TlsCertificateSource.Protocols below.
        await using JanusTestServer server = await StartAsync();
#pragma warning disable SYSLIB0039, CA5397 // TLS 1.1 is obsolete: that is the point of the test.
        Exception refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectTlsAsync(server, SslProtocols.Tls11));
#pragma warning restore SYSLIB0039, CA5397
        Assert.True(refused is AuthenticationException or IOException, refused.ToString());
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, TlsCertificateSource.Protocols);
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, server.GetRequiredService<TlsCertificateSource>().TcpOptions.EnabledSslProtocols);
    }

    [Theory]
    [InlineData("pem")]
    [InlineData("pem-with-key")]
    [InlineData("pfx")]
    public async Task The_certificate_is_read_from_pem_or_pkcs12(string format)
    {
        Dictionary<string, string?> settings;
        switch (format)
        {
            case "pem":
                (string certificatePath, string keyPath) = _certificate.WritePem();
                settings = Settings(certificatePath, keyPath);
                break;
            case "pem-with-key":
                settings = Settings(_certificate.WritePem(keyInSameFile: true).CertificatePath);
                break;
            default:
                settings = Settings(_certificate.WritePfx("s3cret-pfx-password"), password: "s3cret-pfx-password");
                break;
        }

        await using JanusTestServer server = await JanusTestServer.StartAsync(settings);
        await using TlsTcpClient client = await ConnectTlsAsync(server);
        await client.ReadMessageAsync();
        Assert.Equal(_certificate.Certificate.Thumbprint, new X509Certificate2(client.Stream.RemoteCertificate!).Thumbprint);
    }

    [Fact]
    public async Task A_replaced_certificate_is_served_to_the_next_connection_on_both_ports()
    {
        await using JanusTestServer server = await StartAsync();
        await using (TlsTcpClient before = await ConnectTlsAsync(server))
        {
            Assert.Equal(_certificate.Certificate.Thumbprint, new X509Certificate2(before.Stream.RemoteCertificate!).Thumbprint);
        }

        using TestCertificate renewed = TestCertificate.Create(directory: _certificate.Directory);
        renewed.WritePem();

        await using TlsTcpClient after = await TlsTcpClient.ConnectAsync(server.TcpTlsEndPoint!, renewed.Pin());
        Assert.Equal(renewed.Certificate.Thumbprint, new X509Certificate2(after.Stream.RemoteCertificate!).Thumbprint);
        await after.ReadMessageAsync();

        X509Certificate? served = null;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            served = certificate is null ? null : new X509Certificate2(certificate);
            return renewed.Pin()(sender, certificate, chain, errors);
        };
        using var https = new HttpClient(handler);
        HttpResponseMessage response = await https.GetAsync(new Uri($"https://127.0.0.1:{server.HttpsEndPoint!.Port}/healthz"));
        Assert.NotNull(served);
        Assert.Equal(renewed.Certificate.Thumbprint, ((X509Certificate2)served).Thumbprint);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_replacement_that_does_not_load_keeps_the_previous_certificate_in_service()
    {
        await using JanusTestServer server = await StartAsync();
        File.WriteAllText(Path.Combine(_certificate.Directory, "cert.pem"), "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");

        await using TlsTcpClient client = await ConnectTlsAsync(server);
        Assert.Equal(_certificate.Certificate.Thumbprint, new X509Certificate2(client.Stream.RemoteCertificate!).Thumbprint);
    }

    [Fact]
    public async Task A_tls_port_without_a_certificate_stops_the_start_with_the_setting_named()
    {
        OptionsValidationException refused = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Tls:TcpPort"] = "0" }));
        Assert.Contains("Janus:Tls:CertificatePath", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_password_appears_in_no_error_when_the_pfx_does_not_open()
    {
        string path = _certificate.WritePfx("the-right-password");
        Exception refused = await Assert.ThrowsAnyAsync<Exception>(() =>
            JanusTestServer.StartAsync(Settings(path, password: "a-wrong-password-1234")));
        for (Exception? e = refused; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain("a-wrong-password-1234", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("the-right-password", e.Message, StringComparison.Ordinal);
        }

        Assert.Contains("Janus:Tls:CertificatePath", refused.ToString(), StringComparison.Ordinal);
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int length = 0;
        while (true)
        {
            ValueWebSocketReceiveResult result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            length += result.Count;
            if (result.EndOfMessage)
            {
                string text = Encoding.UTF8.GetString(buffer, 0, length);
                if (text == "PING")
                {
                    length = 0;
                    continue;
                }

                return text;
            }
        }
    }
}
