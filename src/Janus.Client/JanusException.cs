namespace Janus.Client;

/// <summary>The base of every exception the Janus client throws about the connection or the protocol.</summary>
public class JanusException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public JanusException()
        : base("A Janus client error occurred.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JanusException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public JanusException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
