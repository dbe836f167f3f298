namespace Janus.Protocol;

/// <summary>The <c>action</c> of a JSON client command.</summary>
public enum ClientAction
{
    /// <summary><c>{"action":"subscribe","data":"topic"}</c></summary>
    Subscribe,

    /// <summary><c>{"action":"unsubscribe","data":"topic"}</c></summary>
    Unsubscribe,

    /// <summary>
    /// <c>{"action":"publish","topic":T,"event":E,"message_id":M,"data":D}</c>, or the body that follows a
    /// <c>PUBLISH</c> frame (the same object without <c>action</c>).
    /// </summary>
    Publish,
}
