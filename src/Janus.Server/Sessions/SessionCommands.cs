using Janus.Protocol;
using Janus.Server.Fanout;
using Janus.Server.Metrics;
using Janus.Server.Publishing;
using Janus.Server.Security;

namespace Janus.Server.Sessions;

/// <summary>
/// The one command layer: executes a parsed client command (subscribe, unsubscribe, publish, hello, auth, resume, bye) for
/// the session of a connection, whatever transport carried it. A transport keeps its framing and its acknowledgement
/// policy (<see cref="CommandOutcome"/>); everything a command does to a session happens here.
/// </summary>
/// <remarks>
/// Legacy commands cost what they cost before this layer: a subscribe without <c>hello</c> is the session's plain
/// subscribe and the transport's <c>ACK</c>, byte for byte the original protocol.
/// </remarks>
public sealed class SessionCommands
{
    // Answers are made under a topic's publish lock, from its name and position: static, so no closure per subscribe.
    private static readonly Func<string, StreamPosition, bool?, OutboundMessage> SubscribedAnswer =
        static (topic, position, recovered) => OutboundMessage.FromPayload(SessionMessages.EncodeSubscribed(topic, position, recovered));

    private static readonly Func<bool, string?, List<TopicRecovery>, OutboundMessage> ResumedAnswer =
        static (resumed, reason, topics) => OutboundMessage.FromPayload(SessionMessages.EncodeResumed(resumed, reason, topics));

    private readonly SessionRegistry _sessions;
    private readonly Publisher _publisher;
    private readonly JanusMetrics _metrics;
    private readonly int _maxSubscriptions;
    private readonly int _maxTopicLength;
    private readonly OutboundMessage _hello;
    private readonly ISharedHistory? _shared;
    private readonly TokenValidator? _tokens;
    private readonly long _graceMilliseconds;

    /// <summary>Creates the command layer over the sessions and the one door for publishing.</summary>
    public SessionCommands(SessionRegistry sessions, Publisher publisher, JanusMetrics metrics, int maxSubscriptions, int maxTopicLength)
        : this(sessions, publisher, metrics, maxSubscriptions, maxTopicLength, shared: null)
    {
    }

    /// <summary>
    /// Creates the command layer; in a cluster, <paramref name="shared"/> is where topics' positions and history live,
    /// and opted-in subscribes read them from there.
    /// </summary>
    public SessionCommands(SessionRegistry sessions, Publisher publisher, JanusMetrics metrics, int maxSubscriptions, int maxTopicLength, ISharedHistory? shared)
        : this(sessions, publisher, metrics, maxSubscriptions, maxTopicLength, shared, tokens: null)
    {
    }

    /// <summary>
    /// Creates the command layer; <paramref name="tokens"/> validates the tokens of <c>hello</c> and <c>auth</c> for
    /// protected topics (without it every token is refused).
    /// </summary>
    public SessionCommands(SessionRegistry sessions, Publisher publisher, JanusMetrics metrics, int maxSubscriptions, int maxTopicLength, ISharedHistory? shared, TokenValidator? tokens)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        _sessions = sessions;
        _publisher = publisher;
        _metrics = metrics;
        _maxSubscriptions = maxSubscriptions;
        _maxTopicLength = maxTopicLength;
        _shared = shared;
        _tokens = tokens;
        _graceMilliseconds = (long)sessions.Grace.TotalMilliseconds;
        _hello = OutboundMessage.FromPayload(SessionMessages.EncodeHello(_graceMilliseconds, publisher.Engine.Topics.History.Any));
    }

    /// <summary>Executes one parsed command from <paramref name="frame"/> for <paramref name="connection"/>'s session.</summary>
    public CommandOutcome Execute(ISessionConnection connection, ReadOnlySpan<byte> frame, in ClientCommand command)
    {
        ArgumentNullException.ThrowIfNull(connection);
        switch (command.Action)
        {
            case ClientAction.Subscribe:
                return Subscribe(connection, frame, command);
            case ClientAction.Unsubscribe:
                if (connection.Session.Unsubscribe(command.Topic))
                {
                    _metrics.Unsubscribed();
                }

                return CommandOutcome.Done;
            case ClientAction.Publish:
                if (!connection.MayPublish)
                {
                    connection.Fail(ProtocolError.PublishForbidden);
                    return CommandOutcome.Stop;
                }

                if (connection.PublishScope is { } scope && !scope.Allows(command.Topic))
                {
                    // A scoped key publishing outside its topics: refused like any forbidden publish.
                    _metrics.AuthRefused(AuthRefusal.PublishScope);
                    connection.Fail(ProtocolError.PublishForbidden);
                    return CommandOutcome.Stop;
                }

                if (!connection.TryTakePublishPermit())
                {
                    connection.Fail(ProtocolError.PublishRateLimited);
                    return CommandOutcome.Stop;
                }

                _publisher.Publish(frame, command, connection.Kind);
                return CommandOutcome.Done;
            case ClientAction.Hello:
                if (command.Token.IsPresent)
                {
                    return Authenticate(connection, frame, command, hello: true);
                }

                connection.Session.OptIn();
                connection.Send(_hello);
                return CommandOutcome.Answered;
            case ClientAction.Auth:
                return Authenticate(connection, frame, command, hello: false);
            case ClientAction.Resume:
                return Resume(connection, frame, command);
            default:
                connection.CloseAndEndSession();
                return CommandOutcome.Stop;
        }
    }

    /// <summary>Publishes the body of a <c>PUBLISH</c> frame (the original bot's form); the caller checked the connection may.</summary>
    public void PublishBody(ISessionConnection connection, ReadOnlySpan<byte> body, in ClientCommand command)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _publisher.Publish(body, command, connection.Kind);
    }

    private CommandOutcome Subscribe(ISessionConnection connection, ReadOnlySpan<byte> frame, in ClientCommand command)
    {
        Session session = connection.Session;
        SubscribeResult result;
        if (session.IsPositioned)
        {
            StreamPosition? since = null;
            if (command.Since.IsPresent && StreamPosition.TryParse(command.Since.Slice(frame), out StreamPosition position))
            {
                since = position;
            }

            // In a cluster the topic's position is Redis's: read it without blocking this (reader) thread.
            result = _shared is { } shared && shared.Holds(command.Topic)
                ? session.SubscribeShared(command.Topic, since, shared, SubscribedAnswer)
                : session.SubscribePositioned(command.Topic, since, SubscribedAnswer);
        }
        else
        {
            result = session.Subscribe(command.Topic);
        }

        switch (result)
        {
            case SubscribeResult.Added:
                _metrics.Subscribed();
                break;
            case SubscribeResult.AlreadySubscribed:
                break;
            case SubscribeResult.LimitReached:
                connection.Fail(ProtocolError.TooManySubscriptions);
                return CommandOutcome.Stop;
            case SubscribeResult.TopicLimitReached:
                connection.Fail(ProtocolError.TooManyTopics);
                return CommandOutcome.Stop;
            case SubscribeResult.Unauthorized:
            case SubscribeResult.TokenExpired:
                // A topic error, in place of the ACK or the subscribed answer: the connection and its other topics stay.
                bool expired = result == SubscribeResult.TokenExpired;
                _metrics.AuthRefused(expired ? AuthRefusal.TokenExpired : AuthRefusal.Unauthorized);
                connection.Send(OutboundMessage.FromPayload(ProtocolErrors.EncodeTopicJson(expired ? ProtocolError.TokenExpired : ProtocolError.Unauthorized, command.Topic.ToString())));
                return CommandOutcome.Answered;
            default:
                return CommandOutcome.Stop;
        }

        return session.IsPositioned ? CommandOutcome.Answered : CommandOutcome.Done;
    }

    /// <summary>
    /// <c>hello</c> with a token, or <c>auth</c>: validates the token and gives the session its grant (replacing any
    /// earlier one, and ending protected subscriptions the new one does not allow). A token that does not validate
    /// closes the connection with <c>invalid_token</c>. The token is never logged.
    /// </summary>
    private CommandOutcome Authenticate(ISessionConnection connection, ReadOnlySpan<byte> frame, in ClientCommand command, bool hello)
    {
        if (_tokens is null || !TryReadToken(command.Token.Slice(frame), out string? token) || !_tokens.TryValidate(token, out SubscribeGrant? grant))
        {
            _metrics.AuthRefused(AuthRefusal.InvalidToken);
            connection.Fail(ProtocolError.InvalidToken);
            return CommandOutcome.Stop;
        }

        Session session = connection.Session;
        long expires = grant.Expires.ToUnixTimeSeconds();
        if (hello)
        {
            session.OptIn();
            connection.Send(OutboundMessage.FromPayload(SessionMessages.EncodeHello(_graceMilliseconds, _publisher.Engine.Topics.History.Any, grant.Subject, expires)));
        }
        else
        {
            connection.Send(OutboundMessage.FromPayload(SessionMessages.EncodeAuth(grant.Subject, expires)));
        }

        var revoked = new List<TopicRevocation>();
        session.SetGrant(grant, revoked);
        _sessions.TrackGrant(session);
        if (revoked.Count > 0)
        {
            session.SendRevocations(revoked);
            _metrics.Unsubscribed(revoked.Count);
            _metrics.AuthRefused(AuthRefusal.Unauthorized, revoked.Count);
        }

        return CommandOutcome.Answered;
    }

    private static bool TryReadToken(ReadOnlySpan<byte> json, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? token)
    {
        token = null;
        var reader = new System.Text.Json.Utf8JsonReader(json);
        try
        {
            if (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.String)
            {
                token = reader.GetString();
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
        {
            token = null;
        }

        return !string.IsNullOrEmpty(token);
    }

    private CommandOutcome Resume(ISessionConnection connection, ReadOnlySpan<byte> frame, in ClientCommand command)
    {
        Session session = connection.Session;
        Span<char> token = stackalloc char[ServerMessages.TokenLength + 1];
        if (session.SubscriptionCount > 0 || !ClientCommandParser.TryUnescapeTopic(command.Data.Slice(frame), token, out int tokenLength))
        {
            // Resuming into a session that already holds subscriptions would have to merge two sessions' streams.
            connection.Fail(ProtocolError.InvalidResume);
            return CommandOutcome.Stop;
        }

        Dictionary<string, StreamPosition> positions;
        if (!command.Positions.IsPresent)
        {
            positions = new Dictionary<string, StreamPosition>(StringComparer.Ordinal);
        }
        else if (!StreamPosition.TryParseMap(command.Positions.Slice(frame), _maxSubscriptions, _maxTopicLength, out positions))
        {
            connection.Fail(ProtocolError.InvalidResume);
            return CommandOutcome.Stop;
        }

        // A token of the wrong length cannot name a session; it is answered like an expired one.
        string name = tokenLength == ServerMessages.TokenLength ? new string(token[..tokenLength]) : "";
        _sessions.Resume(session, name, positions, ResumedAnswer, out ISessionConnection? previous);
        previous?.OnSessionTaken();
        return CommandOutcome.Answered;
    }
}
