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
            string? subscribeToken = await GetSubscribeTokenAsync(cancellationToken).ConfigureAwait(false);
            if (subscribeToken is not null && (!_sessionsSupported || _sessionToken is not null))
            {
                // No hello to carry it (sessions off, or a resume comes next): auth first, so the resumed session's
                // protected topics are checked against this fresh token.
                await AuthenticateAsync(link, subscribeToken, cancellationToken).ConfigureAwait(false);
            }

            if (!_sessionsSupported)
            {
                StartTokenRefresh(link);
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
                if (subscribeToken is not null)
                {
                    await WriteToLinkAsync(link, new TokenFrame(hello: true, subscribeToken), answer: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await WriteToLinkAsync(link, SessionFrame.Hello, answer: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
                }
            }

            SessionAnswer answer = await link.SessionAnswer.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            link.OptedIn = true;
            StartTokenRefresh(link);
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

    /// <summary>The subscribe token for a new connection: the provider's (asked every time), or the fixed one, or none.</summary>
    private async ValueTask<string?> GetSubscribeTokenAsync(CancellationToken cancellationToken) =>
        _options.TokenProvider is { } provider ? await provider(cancellationToken).ConfigureAwait(false) : _options.Token;

    /// <summary>Sends <c>auth</c> with <paramref name="token"/> and waits for the server's answer (an invalid token closes the connection).</summary>
    private async Task AuthenticateAsync(Link link, string token, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        link.AuthAnswer = answer;
        await WriteToLinkAsync(link, new TokenFrame(hello: false, token), answer: null, WriteKind.Command, cancellationToken).ConfigureAwait(false);
        using CancellationTokenRegistration ended = link.ReceiveLoop.IsCompleted ? default : cancellationToken.Register(() => answer.TrySetCanceled(cancellationToken));
        Task finished = await Task.WhenAny(answer.Task, link.ReceiveLoop).ConfigureAwait(false);
        if (finished != answer.Task)
        {
            // The connection ended before the answer: an invalid_token error frame, or a drop.
            await link.ReceiveLoop.ConfigureAwait(false);
            throw link.ProtocolError ?? (Exception)new JanusConnectionClosedException("The connection to the Janus server was lost.");
        }

        await answer.Task.ConfigureAwait(false);
    }

    /// <summary>
    /// With a <see cref="JanusClientOptions.TokenProvider"/>: a fresh token is sent in <c>auth</c> before the current
    /// one expires, for as long as the connection lives. One loop per connection, on the client's clock.
    /// </summary>
    private void StartTokenRefresh(Link link)
    {
        if (_options.TokenProvider is null || link.TokenExpires == 0)
        {
            return;
        }

        _ = RefreshTokensAsync(link);
    }

    private async Task RefreshTokensAsync(Link link)
    {
        while (link.Ended is null && !_stopping.IsCancellationRequested)
        {
            TimeSpan left = DateTimeOffset.FromUnixTimeSeconds(link.TokenExpires) - _time.GetUtcNow();
            TimeSpan wait = left - (_options.TokenRefreshBefore < left / 2 ? _options.TokenRefreshBefore : left / 2);
            try
            {
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, _stopping.Token).ConfigureAwait(false);
                }

                if (link.Ended is not null || !ReferenceEquals(Volatile.Read(ref _link), link))
                {
                    return;
                }

                string token = await _options.TokenProvider!(_stopping.Token).ConfigureAwait(false);
                await AuthenticateAsync(link, token, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (JanusConnectionClosedException)
            {
                // The connection ended; the next one asks for a token of its own.
                return;
            }
#pragma warning disable CA1031 // The application's provider may throw anything; the token then expires and protected topics end.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                ClientLog.TokenRefreshFailed(_logger, ex);
                if (_time.GetUtcNow() >= DateTimeOffset.FromUnixTimeSeconds(link.TokenExpires))
                {
                    return;
                }

                // Try again halfway to the expiry.
                TimeSpan retry = (DateTimeOffset.FromUnixTimeSeconds(link.TokenExpires) - _time.GetUtcNow()) / 2;
                try
                {
                    await Task.Delay(retry > TimeSpan.FromSeconds(1) ? retry : TimeSpan.FromSeconds(1), _time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
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
            var subscribed = new TaskCompletionSource<SubscribeAnswer>(state.Topic, TaskCreationOptions.RunContinuationsAsynchronously);
            await WriteToLinkAsync(link, new TopicFrame(subscribe: true, state.Topic, since), subscribed, WriteKind.Command, cancellationToken).ConfigureAwait(false);
            pending.Add((state, since, confirmed, subscribed));
        }

        foreach ((TopicState state, StreamPosition? since, bool confirmed, TaskCompletionSource<SubscribeAnswer> subscribed) in pending)
        {
            SubscribeAnswer subscribeAnswer = await subscribed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (subscribeAnswer.Refusal is { } refusal)
            {
                // The token no longer allows the topic: it ends here, and the others are restored.
                EndTopic(state, refusal);
                results.Add(new JanusTopicRecovery(state.Topic, false, since));
                continue;
            }

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
