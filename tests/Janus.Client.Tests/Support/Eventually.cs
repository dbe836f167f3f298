namespace Janus.Client.Tests.Support;

/// <summary>
/// Waits for a condition on server state that raises no event (a counter the server bumps as it reads). It polls
/// the condition until it holds or the deadline passes; it never waits a fixed time and then assumes.
/// </summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static async Task WaitUntilAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (!condition())
        {
            try
            {
                await Task.Delay(5, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting: {describe()}");
            }
        }
    }
}
