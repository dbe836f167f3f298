using Janus.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Janus.Server.Tests.Limits;

/// <summary>Starting a server with limits, and time that moves only when the test says so.</summary>
internal static class LimitsTestServer
{
    public static Task<JanusTestServer> StartAsync(FakeTimeProvider time, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>();
        foreach ((string key, string value) in settings)
        {
            all[key] = value;
        }

        return JanusTestServer.StartAsync(all, services => services.AddSingleton<TimeProvider>(time));
    }

    /// <summary>Advances one second (one heartbeat sweep) at a time until <paramref name="done"/>; the seconds it took.</summary>
    public static int AdvanceUntil(FakeTimeProvider time, Func<bool> done, int maxSeconds)
    {
        for (int i = 1; i <= maxSeconds; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            if (done())
            {
                return i;
            }
        }

        throw new Xunit.Sdk.XunitException($"not done after {maxSeconds} s");
    }
}
