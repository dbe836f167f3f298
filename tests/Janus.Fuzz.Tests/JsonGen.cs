using CsCheck;

namespace Janus.Fuzz.Tests;

/// <summary>
/// Structure-aware JSON text: strings with every kind of escape (surrogate pairs, lone surrogates, control
/// characters), numbers at the edges, nested values up to and past the parsers' depth limit of 64, and the Janus
/// command and publish shapes built from them with keys in any order, duplicated, escaped or unknown.
/// </summary>
internal static class JsonGen
{
    private static readonly string[] Actions = ["subscribe", "unsubscribe", "publish", "hello", "resume", "Subscribe", "", "subscribe ", "publis"];

    /// <summary>One piece of string content, as JSON source text (escapes written out).</summary>
    private static readonly Gen<string> StringPiece = Gen.Frequency(
        (8, Gen.String["abcxyz:/._-0123456789"]),
        (2, Gen.OneOf("\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0061", "\\u00e9", "\\u4e2d", "\\ud83d\\ude00", "\\u0000", "\\u001f")),
        (2, Gen.OneOf("\u00e9", "\u4e2d", "\U0001F600", "\u2028", "\uFEFF")),
        (1, Gen.OneOf("\\ud800", "\\udc00", "\\ud800x", "\\u12", "\\x", "\u0001", "\t", "\\", "\\uD83D\\uDE00")),
        (1, Gen.Int[0, 300].Select(n => new string('t', n))));

    /// <summary>A JSON string token (usually valid, sometimes with a bad escape or raw control character).</summary>
    public static readonly Gen<string> String = StringPiece.Array[0, 6].Select(pieces => "\"" + string.Concat(pieces) + "\"");

    /// <summary>A topic-like string: short names, names near the 256-character limit, escaped ones.</summary>
    public static readonly Gen<string> Topic = Gen.Frequency(
        (4, String),
        (2, Gen.OneOf("\"news\"", "\"a\"", "\"user:42:inbox\"", "\"\\u0061\"", "\"\"", "\"caf\u00e9\"", "\"\\ud83d\\ude00\"")),
        (1, Gen.Int[250, 260].Select(n => "\"" + new string('x', n) + "\"")),
        (1, Gen.Int[40, 90].Select(n => "\"" + string.Concat(Enumerable.Repeat("\\u00e9", n)) + "\"")));

    private static readonly Gen<string> Number = Gen.OneOf(
        "0", "-0", "1", "42", "-1", "3.14", "1e10", "1E-7", "1e999", "-1e999", "123456789012345678901234567890", "0.000001", "9007199254740993");

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (3, String),
        (2, Number),
        (1, Gen.OneOf("null", "true", "false")));

    /// <summary>Any JSON value, nested a few levels, or an array nested around the depth limit.</summary>
    public static readonly Gen<string> Value = Gen.Frequency(
        (6, Nested(3)),
        (1, Gen.Int[60, 68].Select(depth => new string('[', depth) + "1" + new string(']', depth))),
        (1, Gen.Int[60, 68].Select(depth => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth))));

    /// <summary>Insignificant whitespace, usually none.</summary>
    public static readonly Gen<string> Whitespace = Gen.Frequency((6, Gen.Const(string.Empty)), (1, Gen.String[" \t\r\n"]));

    private static Gen<string> Nested(int depth) =>
        depth == 0
            ? Scalar
            : Gen.Frequency(
                (5, Scalar),
                (1, Nested(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
                (1, Gen.Select(String, Nested(depth - 1)).Array[0, 4].Select(members => "{" + string.Join(",", members.Select(m => m.Item1 + ":" + m.Item2)) + "}")));

    /// <summary>An object from (key, value) members, with random whitespace around the tokens.</summary>
    private static Gen<string> Object(Gen<(string Key, string Value)[]> members) =>
        Gen.Select(members, Whitespace.Array[8], (m, ws) =>
            ws[0] + "{" + ws[1] + string.Join(ws[2] + "," + ws[3], m.Select(x => x.Key + ws[4] + ":" + ws[5] + x.Value)) + ws[6] + "}" + ws[7]);

    private static Gen<(string, string)> Member(string key, Gen<string> value) =>
        Gen.Select(Gen.Frequency((8, Gen.Const("\"" + key + "\"")), (1, Gen.Const(EscapeFirst(key)))), value);

    /// <summary>A key spelt with its first letter as a \u escape: the same key to a JSON reader.</summary>
    private static string EscapeFirst(string key) => $"\"\\u{(int)key[0]:x4}{key[1..]}\"";

    private static readonly Gen<(string, string)> ActionMember = Member("action", Gen.Frequency((8, Gen.OneOf(Actions).Select(a => "\"" + a + "\"")), (1, Value)));

    private static readonly Gen<(string, string)> UnknownMember = Gen.Select(Gen.Frequency((3, String), (1, Gen.OneOf("\"since\"", "\"token\"", "\"position\""))), Value);

    /// <summary>A subscribe, unsubscribe or publish command (or something near one), keys in any order.</summary>
    public static readonly Gen<string> Command = Object(
        Gen.Select(
            ActionMember.Array[0, 2],
            Member("data", Gen.Frequency((3, Topic), (2, Value))).Array[0, 2],
            Member("topic", Gen.Frequency((4, Topic), (1, Value))).Array[0, 2],
            Member("event", Value).Array[0, 1],
            Member("message_id", Value).Array[0, 1],
            UnknownMember.Array[0, 2],
            (a, d, t, e, m, u) => a.Concat(d).Concat(t).Concat(e).Concat(m).Concat(u).ToArray())
        .SelectMany(members => Gen.Shuffle(members)));

    /// <summary>A message of <c>POST /api/publish</c>: <c>topic</c> or <c>topics</c> and the optional values.</summary>
    public static readonly Gen<string> PublishMessage = Object(
        Gen.Select(
            Member("topic", Gen.Frequency((4, Topic), (1, Value))).Array[0, 1],
            Member("topics", Gen.Frequency((4, Topic.Array[0, 5].Select(t => "[" + string.Join(",", t) + "]")), (1, Value))).Array[0, 1],
            Member("event", Value).Array[0, 1],
            Member("message_id", Value).Array[0, 1],
            Member("data", Value).Array[0, 1],
            UnknownMember.Array[0, 1],
            (t, ts, e, m, d, u) => t.Concat(ts).Concat(e).Concat(m).Concat(d).Concat(u).ToArray())
        .SelectMany(members => Gen.Shuffle(members)));

    /// <summary>A whole publish request body in any of its forms (one message, an array, <c>{"messages":[…]}</c>, or not a message at all).</summary>
    public static readonly Gen<string> PublishBody = Gen.Frequency(
        (5, PublishMessage),
        (2, PublishMessage.Array[0, 4].Select(m => "[" + string.Join(",", m) + "]")),
        (2, Gen.Select(Gen.Frequency((4, PublishMessage.Array[0, 4].Select(m => "[" + string.Join(",", m) + "]")), (1, Value)), Whitespace).Select((m, ws) => "{" + ws + "\"messages\":" + m + "}")),
        (1, Value));
}
