namespace Janus.Client;

/// <summary>
/// The connection to the server is gone: the server closed it, the network dropped it, or the server sent something
/// this client cannot read. Every pending operation, the message stream and every later call fail with it.
/// </summary>
/// <remarks>
/// When the server closed the connection with an error frame the exception is the more specific
/// <see cref="JanusProtocolException"/>, so catching this type catches both.
/// </remarks>
public class JanusConnectionClosedException : JanusException
{
    /// <summary>Creates the exception with a default message.</summary>
    public JanusConnectionClosedException()
        : base("The connection to the Janus server is closed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JanusConnectionClosedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public JanusConnectionClosedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// A fresh exception that says the same, for each later call that runs into the closed connection (throwing one
    /// instance from many places would rewrite its stack trace under every catcher).
    /// </summary>
    internal virtual JanusConnectionClosedException Recreate() => new(Message, InnerException);
}
