namespace Janus.Bot.Storm;

/// <summary>The storm's topics: <c>storm</c>, or <c>storm-0</c> … <c>storm-{T-1}</c>; apart from the classic test's <c>events</c>.</summary>
internal static class StormTopics
{
    public const string Prefix = "storm";

    public static string[] Names(int count) =>
        count <= 1 ? [Prefix] : Enumerable.Range(0, count).Select(t => $"{Prefix}-{t}").ToArray();
}
