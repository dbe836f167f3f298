namespace Janus.Client.Tests.Support;

/// <summary>Bounds for awaits that should complete at once, so a bug fails the test instead of hanging it.</summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Await = TimeSpan.FromSeconds(10);

    public static Task<JanusMessage> NextAsync(this JanusClient client) => client.ReadMessageAsync().AsTask().WaitAsync(Await);

    public static Task Within(this Task task) => task.WaitAsync(Await);

    public static Task Within(this ValueTask task) => task.AsTask().WaitAsync(Await);

    public static Task<T> Within<T>(this Task<T> task) => task.WaitAsync(Await);
}
