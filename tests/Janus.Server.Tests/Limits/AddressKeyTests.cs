using System.Net;
using Janus.Server.Limits;

namespace Janus.Server.Tests.Limits;

/// <summary>How the per-address limits group addresses: IPv4 one by one, IPv6 by its /64.</summary>
public sealed class AddressKeyTests
{
    [Theory]
    [InlineData("203.0.113.7", "::ffff:203.0.113.7", true)]
    [InlineData("203.0.113.7", "203.0.113.8", false)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", false)]
    [InlineData("::1", "127.0.0.1", false)]
    [InlineData("::", "0.0.0.0", false)]
    public void Addresses_share_a_key_exactly_when_they_count_as_one_client(string a, string b, bool same)
    {
        Assert.Equal(same, AddressKey.From(IPAddress.Parse(a)) == AddressKey.From(IPAddress.Parse(b)));
    }
}
