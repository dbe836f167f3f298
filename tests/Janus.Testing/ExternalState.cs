using System.Diagnostics;

namespace Janus.Testing;

/// <summary>
/// Waiting for state that announces nothing a test could await (a Redis cluster electing a master, a sentinel
/// promoting a replica, which of many clients a server answered): polled every 50 ms, bounded.
/// </summary>
public static class ExternalState
{
    /// <summary>Polls until <paramref name="done"/> holds; a server refusing meanwhile (it is changing) is asked again.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> done, string what, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(done);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await done())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                // A server is restarting or refusing while the deployment changes: ask again.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout} for {what}.");
            }

            await Task.Delay(50);
        }
    }
}
