using System.Net;
using Microsoft.Extensions.Options;

namespace Janus.Server.Options;

/// <summary>Checks <see cref="JanusOptions"/> at start-up and names every bad setting with its configuration key.</summary>
public sealed class JanusOptionsValidator : IValidateOptions<JanusOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, JanusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!options.Tcp.Enabled && !options.Http.Enabled && !options.Tls.Enabled)
        {
            failures.Add("Janus:Tcp:Enabled and Janus:Http:Enabled are both false and no Janus:Tls port is set: Janus would listen on nothing.");
        }

        CheckEndpoint(failures, "Janus:Tcp", options.Tcp.Address, options.Tcp.Port);
        CheckEndpoint(failures, "Janus:Http", options.Http.Address, options.Http.Port);
        if (options.Tcp.Enabled && options.Http.Enabled && options.Tcp.Port != 0 && options.Tcp.Port == options.Http.Port)
        {
            failures.Add($"Janus:Tcp:Port and Janus:Http:Port are both {options.Tcp.Port}: they need different ports.");
        }

        CheckTls(failures, options);
        Check(failures, options.Tcp.SendThreads is >= 0 and <= 64, $"Janus:Tcp:SendThreads must be between 0 (one per processor) and 64 (got {options.Tcp.SendThreads}).");
        Check(failures, options.Tcp.EventLoops is >= 0 and <= 256, $"Janus:Tcp:EventLoops must be between 0 (one per processor) and 256 (got {options.Tcp.EventLoops}).");
        Check(failures, options.Tcp.Backlog is >= 1 and <= 65535, $"Janus:Tcp:Backlog must be between 1 and 65535 (got {options.Tcp.Backlog}).");

        LimitsOptions limits = options.Limits;
        Check(failures, limits.MaxFrameBytes is >= 256 and <= 16 * 1024 * 1024, $"Janus:Limits:MaxFrameBytes must be between 256 and 16777216 (got {limits.MaxFrameBytes}).");
        Check(failures, limits.MaxQueueBytes >= 4096, $"Janus:Limits:MaxQueueBytes must be at least 4096 (got {limits.MaxQueueBytes}).");
        Check(failures, limits.MaxTopicLength is >= 1 and <= 4096, $"Janus:Limits:MaxTopicLength must be between 1 and 4096 characters (got {limits.MaxTopicLength}).");
        Check(failures, limits.MaxSubscriptionsPerConnection >= 1, $"Janus:Limits:MaxSubscriptionsPerConnection must be at least 1 (got {limits.MaxSubscriptionsPerConnection}).");
        Check(failures, limits.ExpectedConnections >= 0, $"Janus:Limits:ExpectedConnections must not be negative (got {limits.ExpectedConnections}).");
        Check(failures, limits.MaxTopics >= 1, $"Janus:Limits:MaxTopics must be at least 1 (got {limits.MaxTopics}).");
        Check(failures, limits.MaxConnections >= 1, $"Janus:Limits:MaxConnections must be at least 1 (got {limits.MaxConnections}).");
        Check(failures, limits.MaxConnectionsPerAddress >= 0, $"Janus:Limits:MaxConnectionsPerAddress must not be negative (0: no limit; got {limits.MaxConnectionsPerAddress}).");
        Check(failures, limits.NewConnectionsPerSecondPerAddress >= 0, $"Janus:Limits:NewConnectionsPerSecondPerAddress must not be negative (0: no limit; got {limits.NewConnectionsPerSecondPerAddress}).");
        Check(failures, limits.PublishesPerSecondPerConnection >= 0, $"Janus:Limits:PublishesPerSecondPerConnection must not be negative (0: no limit; got {limits.PublishesPerSecondPerConnection}).");
        Check(failures, limits.FrameTimeout >= TimeSpan.FromSeconds(1), $"Janus:Limits:FrameTimeout must be at least 1 s (got {limits.FrameTimeout}).");
        Check(failures, limits.CloseTimeout > TimeSpan.Zero, $"Janus:Limits:CloseTimeout must be positive (got {limits.CloseTimeout}).");

        Check(failures, options.Sessions.Grace >= TimeSpan.Zero && options.Sessions.Grace <= TimeSpan.FromDays(1), $"Janus:Sessions:Grace must be between 0 and 1 day (got {options.Sessions.Grace}).");
        HistoryOptions history = options.History;
        Check(failures, history.Size is >= 0 and <= 1_000_000, $"Janus:History:Size must be between 0 and 1000000 (got {history.Size}).");
        Check(failures, history.Ttl > TimeSpan.Zero, $"Janus:History:Ttl must be positive (got {history.Ttl}).");
        for (int i = 0; i < history.Rules.Count; i++)
        {
            HistoryRule rule = history.Rules[i];
            Check(failures, !string.IsNullOrEmpty(rule.Prefix), $"Janus:History:Rules:{i}:Prefix must not be empty.");
            Check(failures, rule.Size is null or (>= 0 and <= 1_000_000), $"Janus:History:Rules:{i}:Size must be between 0 and 1000000 (got {rule.Size}).");
            Check(failures, rule.Ttl is null || rule.Ttl > TimeSpan.Zero, $"Janus:History:Rules:{i}:Ttl must be positive (got {rule.Ttl}).");
        }

        HeartbeatOptions heartbeat = options.Heartbeat;
        Check(failures, heartbeat.Interval >= TimeSpan.FromSeconds(1), $"Janus:Heartbeat:Interval must be at least 1 s (got {heartbeat.Interval}).");
        Check(failures, heartbeat.Timeout > heartbeat.Interval, $"Janus:Heartbeat:Timeout ({heartbeat.Timeout}) must be longer than Janus:Heartbeat:Interval ({heartbeat.Interval}), or idle clients are closed before they are pinged.");

        Check(failures, options.FlashPolicy.Port is >= 0 and <= 65535, $"Janus:FlashPolicy:Port must be between 0 (none) and 65535 (got {options.FlashPolicy.Port}).");
        Check(failures, !options.FlashPolicy.Enabled || !string.IsNullOrWhiteSpace(options.FlashPolicy.Policy), "Janus:FlashPolicy:Policy is empty while Janus:FlashPolicy:Enabled is true.");
        Check(failures, options.Shutdown.DrainTimeout >= TimeSpan.Zero, $"Janus:Shutdown:DrainTimeout must not be negative (got {options.Shutdown.DrainTimeout}).");

        Check(failures, options.Api.MaxBodyBytes is >= 1024 and <= 256 * 1024 * 1024, $"Janus:Api:MaxBodyBytes must be between 1024 and 268435456 (got {options.Api.MaxBodyBytes}).");
        Check(failures, options.Api.MaxMessagesPerRequest >= 1, $"Janus:Api:MaxMessagesPerRequest must be at least 1 (got {options.Api.MaxMessagesPerRequest}).");

        foreach (string network in Janus.Server.Security.TrustedNetworks.Split(options.Security.TrustedNetworks))
        {
            Check(failures, IPNetwork.TryParse(network, out _), $"Janus:Security:TrustedNetworks has '{network}', which is not a network in CIDR form (e.g. 10.0.0.0/8).");
        }

        foreach (string key in options.Security.ApiKeys)
        {
            Check(failures, key.Length >= 16, "Janus:Security:ApiKeys has a key shorter than 16 characters.");
        }

        for (int i = 0; i < options.Security.PublishKeys.Count; i++)
        {
            PublishKeyOptions key = options.Security.PublishKeys[i];
            Check(failures, key.Key.Length >= 16, $"Janus:Security:PublishKeys:{i}:Key must be at least 16 characters.");
            Check(failures, key.Topics.Length > 0, $"Janus:Security:PublishKeys:{i}:Topics must name at least one topic or pattern.");
            for (int j = 0; j < key.Topics.Length; j++)
            {
                Check(failures, Janus.Server.Security.TopicPattern.TryParse(key.Topics[j], allowSubject: false, out _, out string? error), $"Janus:Security:PublishKeys:{i}:Topics:{j} ('{key.Topics[j]}'): {error}.");
            }
        }

        ValidateAuth(failures, options.Auth);
        CheckEdge(failures, options.Security);
        Check(
            failures,
            !options.Tcp.ProxyProtocol || !string.IsNullOrWhiteSpace(options.Security.KnownProxies) || !string.IsNullOrWhiteSpace(options.Security.KnownNetworks),
            "Janus:Tcp:ProxyProtocol is true but no proxy is known (Janus:Security:KnownProxies or KnownNetworks): a PROXY header is read only from a known proxy.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The reverse-proxy, origin, host and read-access settings.</summary>
    private static void CheckEdge(List<string> failures, SecurityOptions security)
    {
        foreach (string proxy in Janus.Server.Security.TrustedNetworks.Split(security.KnownProxies))
        {
            Check(failures, IPAddress.TryParse(proxy, out _), $"Janus:Security:KnownProxies has '{proxy}', which is not an IP address (a network goes in Janus:Security:KnownNetworks).");
        }

        foreach (string network in Janus.Server.Security.TrustedNetworks.Split(security.KnownNetworks))
        {
            Check(failures, IPNetwork.TryParse(network, out _), $"Janus:Security:KnownNetworks has '{network}', which is not a network in CIDR form (e.g. 10.0.0.0/8).");
        }

        Check(failures, Enum.IsDefined(security.ForwardedHeader), $"Janus:Security:ForwardedHeader must be XForwardedFor or Forwarded (got {security.ForwardedHeader}).");
        foreach (string origin in Janus.Server.Security.TrustedNetworks.Split(security.AllowedOrigins))
        {
            Check(failures, Janus.Server.Security.OriginPolicy.TryNormalize(origin, out _), $"Janus:Security:AllowedOrigins has '{origin}', which is not an origin: scheme://host[:port] with http or https and no path (e.g. https://www.example.com).");
        }

        foreach (string host in Janus.Server.Security.TrustedNetworks.Split(security.AllowedHosts))
        {
            Check(failures, host.IndexOfAny(['/', ' ', '@']) < 0 && !host.Contains("://", StringComparison.Ordinal), $"Janus:Security:AllowedHosts has '{host}', which is not a host name: a name (push.example.com), a wildcard (*.example.com) or an IP address, without scheme or path.");
        }

        Check(failures, Enum.IsDefined(security.ReadAccess), $"Janus:Security:ReadAccess must be Open, TrustedOrKey or KeyOnly (got {security.ReadAccess}).");
        foreach (string key in security.ReadKeys)
        {
            Check(failures, key.Length >= 16, "Janus:Security:ReadKeys has a key shorter than 16 characters.");
        }

        Check(
            failures,
            security.ReadAccess != ReadAccess.KeyOnly || security.ReadKeys.Length > 0 || security.ApiKeys.Length > 0,
            "Janus:Security:ReadAccess is KeyOnly but no key is configured (Janus:Security:ReadKeys or Janus:Security:ApiKeys): nobody could read the stats, topics or metrics.");
    }

    private static void CheckTls(List<string> failures, JanusOptions options)
    {
        TlsOptions tls = options.Tls;
        Check(failures, tls.TcpPort is null or (>= 0 and <= 65535), $"Janus:Tls:TcpPort must be between 0 and 65535 (got {tls.TcpPort}).");
        Check(failures, tls.HttpsPort is null or (>= 0 and <= 65535), $"Janus:Tls:HttpsPort must be between 0 and 65535 (got {tls.HttpsPort}).");
        Check(failures, tls.HandshakeTimeout > TimeSpan.Zero && tls.HandshakeTimeout <= TimeSpan.FromMinutes(5), $"Janus:Tls:HandshakeTimeout must be between 0 and 5 minutes (got {tls.HandshakeTimeout}).");

        // Every non-zero port once: the plain ones that are on, the TLS ones that are set.
        var ports = new List<(string Key, int Port)>();
        if (options.Tcp.Enabled)
        {
            ports.Add(("Janus:Tcp:Port", options.Tcp.Port));
        }

        if (options.Http.Enabled)
        {
            ports.Add(("Janus:Http:Port", options.Http.Port));
        }

        if (tls.TcpPort is int tcps)
        {
            ports.Add(("Janus:Tls:TcpPort", tcps));
        }

        if (tls.HttpsPort is int https)
        {
            ports.Add(("Janus:Tls:HttpsPort", https));
        }

        for (int i = 0; i < ports.Count; i++)
        {
            for (int j = i + 1; j < ports.Count; j++)
            {
                // The plain pair has its own message above.
                if (ports[i].Port != 0 && ports[i].Port == ports[j].Port && (ports[i].Key.StartsWith("Janus:Tls", StringComparison.Ordinal) || ports[j].Key.StartsWith("Janus:Tls", StringComparison.Ordinal)))
                {
                    failures.Add($"{ports[i].Key} and {ports[j].Key} are both {ports[i].Port}: they need different ports.");
                }
            }
        }

        if (!tls.Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            failures.Add("Janus:Tls:CertificatePath is empty while a Janus:Tls port is set: TLS needs a certificate (a PEM or PKCS#12 file).");
            return;
        }

        Check(failures, File.Exists(tls.CertificatePath), $"Janus:Tls:CertificatePath: no file at '{tls.CertificatePath}'.");
        Check(failures, tls.KeyPath.Length == 0 || File.Exists(tls.KeyPath), $"Janus:Tls:KeyPath: no file at '{tls.KeyPath}'.");
    }

    private static void ValidateAuth(List<string> failures, AuthOptions auth)
    {
        for (int i = 0; i < auth.Protected.Length; i++)
        {
            Check(failures, Janus.Server.Security.TopicPattern.TryParse(auth.Protected[i], allowSubject: true, out _, out string? error), $"Janus:Auth:Protected:{i} ('{auth.Protected[i]}'): {error}.");
        }

        Check(failures, auth.Protected.Length == 0 || auth.SigningKeys.Count > 0, "Janus:Auth:Protected is set but Janus:Auth:SigningKeys is empty: no token could ever be accepted.");
        Check(failures, auth.ClockSkew >= TimeSpan.Zero && auth.ClockSkew <= TimeSpan.FromMinutes(10), $"Janus:Auth:ClockSkew must be between 0 and 10 minutes (got {auth.ClockSkew}).");
        Check(failures, !string.IsNullOrWhiteSpace(auth.TopicsClaim), "Janus:Auth:TopicsClaim must not be empty.");
        Check(failures, auth.MaxTokenLength is >= 256 and <= 65536, $"Janus:Auth:MaxTokenLength must be between 256 and 65536 (got {auth.MaxTokenLength}).");
        for (int i = 0; i < auth.SigningKeys.Count; i++)
        {
            SigningKeyOptions key = auth.SigningKeys[i];
            bool secret = !string.IsNullOrEmpty(key.Secret);
            bool file = !string.IsNullOrEmpty(key.PublicKeyFile);
            if (secret == file)
            {
                failures.Add($"Janus:Auth:SigningKeys:{i} needs exactly one of Secret (HS256, base64) or PublicKeyFile (RS256, PEM).");
                continue;
            }

            if (secret)
            {
                // The secret itself never appears in a message.
                Span<byte> decoded = new byte[key.Secret!.Length];
                Check(failures, Convert.TryFromBase64String(key.Secret, decoded, out int length) && length >= 32, $"Janus:Auth:SigningKeys:{i}:Secret must be base64 of at least 32 bytes (256 bits).");
                continue;
            }

            try
            {
                _ = Janus.Server.Security.TokenValidator.CreateKey(key);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                failures.Add($"Janus:Auth:SigningKeys:{i}:PublicKeyFile '{key.PublicKeyFile}' is not a readable RSA public key in PEM form: {ex.Message}");
            }
        }
    }

    private static void CheckEndpoint(List<string> failures, string section, string address, int port)
    {
        Check(failures, port is >= 0 and <= 65535, $"{section}:Port must be between 0 and 65535 (got {port}).");
        Check(failures, address == "*" || IPAddress.TryParse(address, out _), $"{section}:Address must be an IP address or '*' (got '{address}').");
    }

    private static void Check(List<string> failures, bool condition, string message)
    {
        if (!condition)
        {
            failures.Add(message);
        }
    }
}
