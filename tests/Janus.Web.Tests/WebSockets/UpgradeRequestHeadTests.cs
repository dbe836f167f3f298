using System.Buffers;
using System.Text;
using Janus.Server.Transports.WebSockets;

namespace Janus.Web.Tests.WebSockets;

/// <summary>
/// What the direct path takes as a plain upgrade of <c>/ws</c>, and what it leaves to Kestrel: anything Kestrel might
/// judge differently must be left (null), so that Kestrel answers it as before.
/// </summary>
public sealed class UpgradeRequestHeadTests
{
    private const string Plain = "Host: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

    private static readonly UpgradeHeadLimits Limits = new(MaxRequestLineBytes: 8192, MaxHeaderBytes: 32768, MaxHeaders: 100);

    private static UpgradeRequestHead? Parse(string head, UpgradeHeadLimits? limits = null) =>
        UpgradeRequestHead.TryParse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)), "/ws", limits ?? Limits);

    [Theory]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "\r\n", "")]
    [InlineData("GET /ws?dashboard=1 HTTP/1.1\r\n" + Plain + "Origin: http://localhost:8080\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n", "?dashboard=1")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: [::1]:8080\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", "")]
    public void A_plain_upgrade_is_taken(string head, string query)
    {
        UpgradeRequestHead? parsed = Parse(head);
        Assert.NotNull(parsed);
        Assert.Equal(query, parsed.QueryString);
        Assert.Equal("websocket", parsed.Headers["upgrade"]);
    }

    [Fact]
    public void Repeated_headers_are_combined_as_Kestrel_combines_them()
    {
        UpgradeRequestHead? parsed = Parse("GET /ws HTTP/1.1\r\n" + Plain + "Sec-WebSocket-Protocol: janus\r\nSec-WebSocket-Protocol: janus-key.abc\r\n\r\n");
        Assert.NotNull(parsed);
        Assert.Equal("janus,janus-key.abc", parsed.Headers["Sec-WebSocket-Protocol"].ToString());
    }

    [Theory]
    [InlineData("POST /ws HTTP/1.1\r\n" + Plain + "\r\n")]
    [InlineData("GET /ws HTTP/1.0\r\n" + Plain + "\r\n")]
    [InlineData("GET /WS HTTP/1.1\r\n" + Plain + "\r\n")]
    [InlineData("GET /ws/ HTTP/1.1\r\n" + Plain + "\r\n")]
    [InlineData("GET /%77s HTTP/1.1\r\n" + Plain + "\r\n")]
    [InlineData("GET http://h/ws HTTP/1.1\r\n" + Plain + "\r\n")]
    [InlineData("GET /ws#x HTTP/1.1\r\n" + Plain + "\r\n")]
    [InlineData("GET  /ws HTTP/1.1\r\n" + Plain + "\r\n")]
    [InlineData("GET /ws HTTP/1.1\n" + Plain + "\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "X-Folded: a\r\n b\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "X-Note: caf\u00e9\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "Bad Name: x\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + ": x\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "Content-Length: 0\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "Transfer-Encoding: chunked\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "Host: other\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\n" + Plain + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: a:b:c\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: a b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h:80x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\r\n")]
    public void Anything_else_is_left_to_Kestrel(string head)
    {
        Assert.Null(Parse(head));
    }

    [Fact]
    public void A_head_past_Kestrels_limits_is_left_to_Kestrel()
    {
        string head = "GET /ws?pad=" + new string('x', 100) + " HTTP/1.1\r\n" + Plain + "\r\n";
        Assert.NotNull(Parse(head));
        Assert.Null(Parse(head, Limits with { MaxRequestLineBytes = 100 }));
        Assert.Null(Parse(head, Limits with { MaxHeaderBytes = 100 }));
        Assert.Null(Parse(head, Limits with { MaxHeaders = 4 }));
    }
}
