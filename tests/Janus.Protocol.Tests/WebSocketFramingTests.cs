namespace Janus.Protocol.Tests;

public sealed class WebSocketFramingTests
{
    [Theory]
    [InlineData(0L, 2)]
    [InlineData(125L, 2)]
    [InlineData(126L, 4)]
    [InlineData(65_535L, 4)]
    [InlineData(65_536L, 10)]
    [InlineData(int.MaxValue + 1L, 10)]
    public void The_header_length_follows_the_payload_length(long payloadLength, int expected)
    {
        Assert.Equal(expected, WebSocketFraming.HeaderLength(payloadLength));
    }

    [Theory]
    [InlineData(0L, new byte[] { 0x81, 0x00 })]
    [InlineData(125L, new byte[] { 0x81, 125 })]
    [InlineData(126L, new byte[] { 0x81, 126, 0x00, 0x7E })]
    [InlineData(65_535L, new byte[] { 0x81, 126, 0xFF, 0xFF })]
    [InlineData(65_536L, new byte[] { 0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00 })]
    [InlineData(0x0102_0304_0506L, new byte[] { 0x81, 127, 0, 0, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 })]
    public void Text_headers_are_final_unmasked_and_big_endian(long payloadLength, byte[] expected)
    {
        byte[] destination = new byte[WebSocketFraming.MaxHeaderLength];

        int written = WebSocketFraming.WriteTextHeader(destination, payloadLength);

        Assert.Equal(expected, destination[..written]);
        Assert.Equal(WebSocketFraming.HeaderLength(payloadLength), written);
    }

    [Fact]
    public void Other_opcodes_keep_the_fin_bit()
    {
        byte[] destination = new byte[WebSocketFraming.MaxHeaderLength];

        Assert.Equal(2, WebSocketFraming.WriteHeader(destination, 0x8, 2));
        Assert.Equal(new byte[] { 0x88, 0x02 }, destination[..2]);
        Assert.Equal(2, WebSocketFraming.WriteHeader(destination, 0x9, 0));
        Assert.Equal(0x89, destination[0]);
    }
}
