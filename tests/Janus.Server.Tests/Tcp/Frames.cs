using System.Text;

namespace Janus.Server.Tests.Tcp;

/// <summary>Client frames exactly as the original clients write them (NUL-terminated unless said otherwise).</summary>
internal static class Frames
{
    public const string Prefix = "<regular-socket/>\0";

    public static string Subscribe(string topic) => "{\"action\":\"subscribe\",\"data\":\"" + topic + "\"}\0";

    public static string Unsubscribe(string topic) => "{\"action\":\"unsubscribe\",\"data\":\"" + topic + "\"}\0";

    /// <summary>A publish as a JSON command on a connection that stays open.</summary>
    public static string PublishCommand(string topic, long messageId, string dataJson = "null", string eventName = "e") =>
        "{\"action\":\"publish\",\"topic\":\"" + topic + "\",\"event\":\"" + eventName + "\",\"message_id\":" + messageId + ",\"data\":" + dataJson + "}\0";

    /// <summary>The body the original bot writes after <c>PUBLISH</c>: no NUL after it.</summary>
    public static string PublishBody(string topic, long messageId, string dataJson = "null", string eventName = "e") =>
        "{\"topic\":\"" + topic + "\",\"event\":\"" + eventName + "\",\"message_id\":" + messageId + ",\"data\":" + dataJson + "}";

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
}
