using System.Text;

namespace Janus.Protocol.Tests;

public sealed class ErlangTimestampTests
{
    [Fact]
    public void Splits_unix_time_the_erlang_way()
    {
        // 2023-11-14T22:13:20.123456Z = 1,700,000,000.123456 s.
        ErlangTimestamp timestamp = ErlangTimestamp.FromUnixMicroseconds(1_700_000_000_123_456);

        Assert.Equal(new ErlangTimestamp(1700, 0, 123_456), timestamp);
        Assert.Equal(new ErlangTimestamp(1234, 567_890, 123_456), ErlangTimestamp.FromUnixMicroseconds(1_234_567_890_123_456));
        Assert.Equal(new ErlangTimestamp(0, 0, 0), ErlangTimestamp.FromUnixMicroseconds(0));
        Assert.Equal(new ErlangTimestamp(0, 999_999, 999_999), ErlangTimestamp.FromUnixMicroseconds(999_999_999_999));
        Assert.Equal(new ErlangTimestamp(1, 0, 0), ErlangTimestamp.FromUnixMicroseconds(1_000_000_000_000));
    }

    [Fact]
    public void Converts_from_and_to_a_point_in_time_to_the_microsecond()
    {
        DateTimeOffset time = new DateTimeOffset(2009, 11, 3, 12, 34, 56, TimeSpan.Zero).AddTicks(7_890_120);
        ErlangTimestamp timestamp = ErlangTimestamp.FromDateTimeOffset(time);

        Assert.Equal(time.ToUnixTimeSeconds() / 1_000_000, timestamp.MegaSeconds);
        Assert.Equal(time.ToUnixTimeSeconds() % 1_000_000, timestamp.Seconds);
        Assert.Equal(789_012, timestamp.Microseconds);
        Assert.Equal(time, timestamp.ToDateTimeOffset());
        Assert.Equal((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10, timestamp.ToUnixMicroseconds());
    }

    [Fact]
    public void Sub_microsecond_ticks_are_truncated()
    {
        DateTimeOffset time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000).AddTicks(19);

        Assert.Equal(1, ErlangTimestamp.FromDateTimeOffset(time).Microseconds);
    }

    [Fact]
    public void Formats_as_a_json_array()
    {
        byte[] destination = new byte[ErlangTimestamp.MaxFormattedLength];

        Assert.True(new ErlangTimestamp(1700, 5, 42).TryFormat(destination, out int written));

        Assert.Equal("[1700,5,42]", Encoding.UTF8.GetString(destination, 0, written));
        Assert.Equal("[1700,5,42]", new ErlangTimestamp(1700, 5, 42).ToString());
    }

    [Fact]
    public void Formatting_fails_cleanly_when_the_destination_is_too_short()
    {
        var timestamp = new ErlangTimestamp(1700, 123_456, 654_321);
        int needed = "[1700,123456,654321]".Length;
        for (int length = 0; length < needed; length++)
        {
            Assert.False(timestamp.TryFormat(new byte[length], out _), $"length {length}");
        }

        Assert.True(timestamp.TryFormat(new byte[needed], out int written));
        Assert.Equal(needed, written);
    }

    [Fact]
    public void The_largest_value_fits_the_maximum_length()
    {
        var largest = new ErlangTimestamp(long.MaxValue, 999_999, 999_999);

        Assert.True(largest.TryFormat(new byte[ErlangTimestamp.MaxFormattedLength], out int written));
        Assert.True(written <= ErlangTimestamp.MaxFormattedLength);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(999_999L)]
    [InlineData(1_000_000L)]
    [InlineData(1_700_000_000_123_456L)]
    [InlineData(4_102_444_800_000_000L)]
    public void Format_then_parse_round_trips(long unixMicroseconds)
    {
        ErlangTimestamp original = ErlangTimestamp.FromUnixMicroseconds(unixMicroseconds);
        byte[] buffer = new byte[ErlangTimestamp.MaxFormattedLength];
        original.TryFormat(buffer, out int written);

        Assert.True(ErlangTimestamp.TryParse(buffer.AsSpan(0, written), out ErlangTimestamp parsed, out int consumed));

        Assert.Equal(original, parsed);
        Assert.Equal(written, consumed);
        Assert.Equal(unixMicroseconds, parsed.ToUnixMicroseconds());
    }

    [Fact]
    public void Parses_with_whitespace_and_stops_after_the_array()
    {
        byte[] source = Encoding.UTF8.GetBytes(" [ 1700 ,\t2 ,\n3 ] ,\"topic\":\"t\"");

        Assert.True(ErlangTimestamp.TryParse(source, out ErlangTimestamp parsed, out int consumed));

        Assert.Equal(new ErlangTimestamp(1700, 2, 3), parsed);
        Assert.Equal(" ,\"topic\":\"t\"", Encoding.UTF8.GetString(source, consumed, source.Length - consumed));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1700,2,3]")]
    [InlineData("[1700,2]")]
    [InlineData("[1700,2,3")]
    [InlineData("[1700,2,3,4]")]
    [InlineData("[1700;2;3]")]
    [InlineData("[-1,2,3]")]
    [InlineData("[1700,1000000,3]")]
    [InlineData("[1700,2,1000000]")]
    [InlineData("[1700,x,3]")]
    [InlineData("[1700,2.5,3]")]
    public void Refuses_what_is_not_an_erlang_timestamp(string text)
    {
        Assert.False(ErlangTimestamp.TryParse(Encoding.UTF8.GetBytes(text), out _, out _));
    }
}
