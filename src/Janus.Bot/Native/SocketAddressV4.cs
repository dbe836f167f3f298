using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Janus.Native;

namespace Janus.Bot.Native;

/// <summary>A <c>struct sockaddr_in</c>: what <c>bind</c> and <c>connect</c> take for IPv4.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct SocketAddressV4
{
    public const uint Size = 16;

    private readonly ushort _family;
    private readonly ushort _portNetworkOrder;
    private readonly uint _addressNetworkOrder;
    private readonly ulong _zero;

    public SocketAddressV4(IPAddress address, int port)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"{address} is not an IPv4 address; the bot speaks IPv4 only.", nameof(address));
        }

        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        _family = Libc.AfInet;
        _portNetworkOrder = BinaryPrimitives.ReverseEndianness((ushort)port);
        // The bytes are already in network order; read them as they lie in memory.
        _addressNetworkOrder = MemoryMarshal.Read<uint>(bytes);
        _zero = 0;
    }
}
