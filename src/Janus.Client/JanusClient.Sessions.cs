using Janus.Client.Connection;
using Janus.Client.Logging;
using Janus.Client.Subscriptions;
using Janus.Protocol;
using Janus.Protocol.Client;

namespace Janus.Client;

// Opening a connection, opting in to sessions, and coming back after a drop: resume the session with the last
// positions, or subscribe again from them (docs/sessions.md).
public sealed partial class JanusClient
{
    /// <summary>
    /// Opens one connection: TCP, the prefix, the greeting, then <c>hello</c> (first time) or <c>resume</c> (after a
    /// drop, with the session's token and the last position of each topic). Returns the answer, or null when the
    /// server has no sessions.
    /// </summary>
    private async Task<(Link Link, SessionAnswer? Answer)> OpenLinkAsync(CancellationToken cancellationToken)
    {
        (System.Net.Sockets.Socket socket, Stream stream) = await SocketConnector.ConnectAsync(_endPoint, _options.LocalAddress, _tls, cancellationToken).ConfigureAwait(false);
        var link = new Link(socket, stream, _options);
        link.ReceiveLoop = ReceiveLoopAsync(link);
        bool hello = false;
        try
        {
            if (_options.RegularSocketPrefix != RegularSocketPrefixMode.None)
            {
                await WriteToLinkAsync(link, new KeywordFrame(KeywordFrame.Keyword.RegularSocket), answer: null, WriteKind.ConnectPrefix, cancellationToken).ConfigureAwait(false);
            }

            await link.Greeting.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!_sessionsSupported)
            {
                return (link, null);
            }

            if (_sessionToken is { } token)
            {
                KeyValuePair<string, StreamPosition>[] positions;
                lock (_topicsLock)
                {
                    positions = [.. _topics.Values.Where(t => t.Position is not null).Select(t => KeyValuePair.Create(t.Topic, t.Position!.Value))];
                }

                await WriteToLinkAsync(link, new ResumeFrame(token, positions), answer: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                hello = true;
                await WriteToLinkAsync(link, SessionFrame.Hello, answer: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
            }

            SessionAnswer answer = await link.SessionAnswer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            link.OptedIn = true;
            if (answer.IsHello || !answer.Resumed)
            {
                // A fresh session: the greeting's. After a failed resume the old one is gone for good.
                _sessionToken = link.Token;
            }

            return (link, answer);
        }
        catch (JanusProtocolException refused) when (hello && refused.Error is ProtocolError.UnknownAction or ProtocolError.InvalidCommand)
        {
            // A server without sessions (the original, or Janus before them) refuses hello and closes: go on without.
            await CloseLinkAsync(link).ConfigureAwait(false);
            _sessionsSupported = false;
            ClientLog.SessionsUnsupported(_logger);
            return await OpenLinkAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (JanusProtocolException refused) when (refused.Error == ProtocolError.InvalidResume)
        {
            // The server will not take this token back: the next attempt starts a fresh session and subscribes again.
            _sessionToken = null;
            await CloseLinkAsync(link).ConfigureAwait(false);
            throw;
        }
        catch
        {
            await CloseLinkAsync(link).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops a connection and waits until its receive loop has released the socket.</summary>
    private static async Task CloseLinkAsync(Link link)
    {
        link.Abort(reason: null);
        try
        {
            await link.ReceiveLoop.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // Ending anyway.
        }
    }

    /// <summary>Reconnects with backoff and jitter until it succeeds, the client is disposed, or the attempts run out.</summary>
    private async Task ReconnectLoopAsync(Exception lastError)
    {
        int attempt = 0;
        while (true)
        {
            attempt++;
            if (_reconnect.MaxAttempts is { } max && attempt > max)
            {
                Terminate(new JanusConnectionClosedException($"The connection to the Janus server was lost and {max} reconnect attempt(s) failed: {lastError.Message}", lastError));
                return;
            }

            TimeSpan delay = _reconnect.GetDelay(attempt, Random.Shared.NextDouble());
            ClientLog.ReconnectScheduled(_logger, attempt, (long)delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _time, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Link? link = null;
            try
            {
                using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
                (link, SessionAnswer? answer) = await OpenLinkAsync(linked.Token).ConfigureAwait(false);
                JanusReconnectedEventArgs restored = await RestoreAsync(link, answer, attempt, linked.Token).ConfigureAwait(false);
                if (!TryMakeCurrent(link))
                {
                    await CloseLinkAsync(link).ConfigureAwait(false);
                    if (_disposing || _closedError is not null)
                    {
                        return;
                    }

                    lastError = link.Ended ?? lastError;
                    continue;
                }

                ClientLog.Reconnected(_logger, attempt, restored.Resumed, restored.Recovered, restored.Topics.Count);
                foreach (JanusTopicRecovery topic in restored.Topics)
                {
                    if (!topic.Recovered)
                    {
                        ClientLog.TopicNotRecovered(_logger, topic.Topic);
                    }
                }

                RaiseReconnected(restored);
                RaiseStateChanged(JanusConnectionState.Connected, error: null);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
            {
                lastError = ex;
                ClientLog.ReconnectFailed(_logger, attempt, ex.Message);
                if (link is not null)
                {
                    await CloseLinkAsync(link).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                if (link is not null)
                {
                    await CloseLinkAsync(link).ConfigureAwait(false);
                }

                return;
            }
        }
    }

    /// <summary>
    /// Puts every subscription back on a new connection. After a resume the session already holds the topics it named;
    /// any other topic (or all of them, after a failed resume or without sessions) is subscribed again, from its last
    /// position when there is one, and the answers say what was recovered.
    /// </summary>
    private async Task<JanusReconnectedEventArgs> RestoreAsync(Link link, SessionAnswer? answer, int attempts, CancellationToken cancellationToken)
    {
        (TopicState State, StreamPosition? Position, bool Confirmed)[] topics;
        lock (_topicsLock)
        {
            topics = [.. _topics.Values.Select(t => (t, t.Position, t.Confirmed))];
        }

        bool resumed = answer is { IsHello: false, Resumed: true };
        Dictionary<string, bool> held = resumed
            ? answer!.Topics.ToDictionary(t => t.Topic, t => t.Recovered ?? false, StringComparer.Ordinal)
            : [];
        var results = new List<JanusTopicRecovery>(topics.Length);
        var pending = new List<(TopicState State, StreamPosition? Since, bool Confirmed, TaskCompletionSource<SubscribeAnswer> Answer)>();
        foreach ((TopicState state, StreamPosition? position, bool confirmed) in topics)
        {
            if (held.TryGetValue(state.Topic, out bool recovered))
            {
                results.Add(new JanusTopicRecovery(state.Topic, recovered, position));
                continue;
            }

            StreamPosition? since = link.OptedIn ? position : null;
            var subscribed = new TaskCompletionSource<SubscribeAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
            await WriteToLinkAsync(link, new TopicFrame(subscribe: true, state.Topic, since), subscribed, WriteKind.Command, cancellationToken).ConfigureAwait(false);
            pending.Add((state, since, confirmed, subscribed));
        }

        foreach ((TopicState state, StreamPosition? since, bool confirmed, TaskCompletionSource<SubscribeAnswer> subscribed) in pending)
        {
            SubscribeAnswer subscribeAnswer = await subscribed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            StreamPosition? now;
            lock (_topicsLock)
            {
                state.Apply(subscribeAnswer.Position, subscribeAnswer.Recovered);
                state.Confirmed = true;
                now = state.Position;
            }

            // From a position: the server says. Without one: a topic that was live may have missed messages; one whose
            // first subscribe never got its answer had nothing to miss.
            bool recovered = since is not null ? subscribeAnswer.Recovered == true : !confirmed;
            results.Add(new JanusTopicRecovery(state.Topic, recovered, now));
        }

        string? reason = resumed ? null : answer?.Reason ?? (link.OptedIn ? null : "unsupported");
        return new JanusReconnectedEventArgs(attempts, resumed, reason, results);
    }
}
