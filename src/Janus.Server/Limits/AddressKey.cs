using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Janus.Server.Limits;

/// <summary>
/// A client address as a dictionary key, made without allocating. An IPv4 address and its IPv4-mapped IPv6 form are
/// the same key; an IPv6 address counts by its /64 network, the smallest block a site is usually given, so a client
/// cannot escape a per-address limit by hopping between the 2^64 addresses of its own network.
/// </summary>
internal readonly record struct AddressKey(ulong High, ulong Low)
{
    private const ulong MappedIPv4Prefix = 0x0000_FFFF_0000_0000UL;

    public static AddressKey From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out int written))
        {
            return default;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork && written == 4)
        {
            return new AddressKey(0, MappedIPv4Prefix | BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return new AddressKey(0, MappedIPv4Prefix | BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]));
        }

        return new AddressKey(BinaryPrimitives.ReadUInt64BigEndian(bytes), 0);
    }
}
