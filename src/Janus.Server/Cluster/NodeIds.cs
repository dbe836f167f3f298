using Janus.Protocol;
using Janus.Server.Options;

namespace Janus.Server.Cluster;

/// <summary>Node ids: the default one, and what a configured one may contain.</summary>
public static class NodeIds
{
    /// <summary>A fresh id: the host name (made safe and short) and 8 random hex characters.</summary>
    public static string Generate()
    {
        string host = Environment.MachineName.ToLowerInvariant();
        Span<char> safe = stackalloc char[Math.Min(host.Length, ClusterOptions.MaxNodeIdLength - 9)];
        for (int i = 0; i < safe.Length; i++)
        {
            safe[i] = IsAllowed(host[i]) ? host[i] : '-';
        }

        return (safe.IsEmpty ? "janus" : new string(safe)) + "-" + ServerMessages.NewToken()[..8];
    }

    /// <summary>Whether <paramref name="nodeId"/> is 1–64 characters of letters, digits, <c>.</c>, <c>_</c> and <c>-</c>.</summary>
    public static bool IsValid(string? nodeId)
    {
        if (string.IsNullOrEmpty(nodeId) || nodeId.Length > ClusterOptions.MaxNodeIdLength)
        {
            return false;
        }

        foreach (char c in nodeId)
        {
            if (!IsAllowed(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The configured id if there is one, else a fresh one.</summary>
    public static string Resolve(ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.NodeId) ? Generate() : options.NodeId;
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
