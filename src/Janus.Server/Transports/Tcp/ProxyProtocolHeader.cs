using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;

namespace Janus.Server.Transports.Tcp;

/// <summary>
/// Parses a PROXY protocol header (HAProxy's specification, versions 1 and 2) from the start of a connection's input.
/// Pure: no I/O. Only the source address is taken (the client); TLVs of version 2 are skipped.
/// </summary>
internal static class ProxyProtocolHeader
{
    /// <summary>A version 1 line is at most 107 bytes, CRLF included.</summary>
    private const int MaxV1Length = 107;

    /// <summary>The most a version 2 header's address part may hold here (addresses and TLVs).</summary>
    private const int MaxV2Length = 2048;

    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>What a look at the buffered input found.</summary>
    public enum Result
    {
        /// <summary>Not enough bytes yet to tell.</summary>
        NeedMore,

        /// <summary>A complete header; <c>length</c> bytes of it, and the client's address (null: keep the connection's).</summary>
        Complete,

        /// <summary>Not a PROXY header, or a malformed one.</summary>
        Invalid,
    }

    /// <summary>Looks for a complete header at the start of <paramref name="input"/>.</summary>
    public static Result TryParse(ReadOnlySequence<byte> input, out long length, out IPEndPoint? source)
    {
        length = 0;
        source = null;
        Span<byte> head = stackalloc byte[16];
        int have = (int)Math.Min(input.Length, head.Length);
        input.Slice(0, have).CopyTo(head);
        head = head[..have];
        if (have == 0)
        {
            return Result.NeedMore;
        }

        if (head[0] == V2Signature[0])
        {
            return ParseV2(input, head, out length, out source);
        }

        if (head[0] == V1Prefix[0])
        {
            return ParseV1(input, head, out length, out source);
        }

        return Result.Invalid;
    }

    private static Result ParseV1(ReadOnlySequence<byte> input, ReadOnlySpan<byte> head, out long length, out IPEndPoint? source)
    {
        length = 0;
        source = null;
        int prefix = Math.Min(head.Length, V1Prefix.Length);
        if (!head[..prefix].SequenceEqual(V1Prefix[..prefix]))
        {
            return Result.Invalid;
        }

        var reader = new SequenceReader<byte>(input);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
        {
            return input.Length >= MaxV1Length ? Result.Invalid : Result.NeedMore;
        }

        if (line.Length + 2 > MaxV1Length)
        {
            return Result.Invalid;
        }

        length = line.Length + 2;
        string[] parts = Encoding.ASCII.GetString(line).Split(' ');
        if (parts.Length >= 2 && parts[1] == "UNKNOWN")
        {
            return Result.Complete;
        }

        if (parts.Length != 6 || (parts[1] != "TCP4" && parts[1] != "TCP6")
            || !IPAddress.TryParse(parts[2], out IPAddress? address)
            || !IPAddress.TryParse(parts[3], out IPAddress? destination)
            || destination.AddressFamily != address.AddressFamily
            || !ushort.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port)
            || !ushort.TryParse(parts[5], NumberStyles.None, CultureInfo.InvariantCulture, out _)
            || (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) != (parts[1] == "TCP4"))
        {
            return Result.Invalid;
        }

        source = new IPEndPoint(address, port);
        return Result.Complete;
    }

    private static Result ParseV2(ReadOnlySequence<byte> input, ReadOnlySpan<byte> head, out long length, out IPEndPoint? source)
    {
        length = 0;
        source = null;
        int signature = Math.Min(head.Length, V2Signature.Length);
        if (!head[..signature].SequenceEqual(V2Signature[..signature]))
        {
            return Result.Invalid;
        }

        if (head.Length < 16)
        {
            return Result.NeedMore;
        }

        byte versionCommand = head[12];
        byte family = head[13];
        int addressLength = BinaryPrimitives.ReadUInt16BigEndian(head[14..16]);
        if (versionCommand >> 4 != 2 || (versionCommand & 0x0F) > 1 || addressLength > MaxV2Length)
        {
            return Result.Invalid;
        }

        if (input.Length < 16 + addressLength)
        {
            return Result.NeedMore;
        }

        length = 16 + addressLength;
        if ((versionCommand & 0x0F) == 0)
        {
            // LOCAL: the proxy's own connection (a health check): it keeps the proxy's address.
            return Result.Complete;
        }

        Span<byte> addresses = stackalloc byte[36];
        int take = Math.Min(addressLength, addresses.Length);
        input.Slice(16, take).CopyTo(addresses);
        switch (family >> 4)
        {
            case 1 when addressLength >= 12:
                source = new IPEndPoint(new IPAddress(addresses[..4]), BinaryPrimitives.ReadUInt16BigEndian(addresses[8..10]));
                return Result.Complete;
            case 2 when addressLength >= 36:
                source = new IPEndPoint(new IPAddress(addresses[..16]), BinaryPrimitives.ReadUInt16BigEndian(addresses[32..34]));
                return Result.Complete;
            case 0 or 3:
                // UNSPEC or a Unix socket: nothing to judge by but the connection.
                return Result.Complete;
            default:
                return Result.Invalid;
        }
    }
}
