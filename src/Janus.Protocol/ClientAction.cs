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

    /// <summary><c>{"action":"hello"}</c>: the connection opts in to positions and resumable sessions (docs/sessions.md).</summary>
    Hello,

    /// <summary><c>{"action":"resume","data":"token","positions":{…}}</c>: take over a session whose connection dropped.</summary>
    Resume,

    /// <summary><c>{"action":"bye"}</c>: end the session now (nothing is kept for a resume) and close.</summary>
    Bye,

    /// <summary><c>{"action":"auth","token":"jwt"}</c>: presents a (fresh) token for protected topics (docs/sessions.md).</summary>
    Auth,
}
