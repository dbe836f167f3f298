using Janus.Bot.Worker;

namespace Janus.Bot.Storm;

/// <summary>The storm loop's episodes: cuts and the comebacks they cause, the drain at the end, and the goodbye.</summary>
internal sealed partial class StormLoop
{
    /// <summary>A comeback that could not connect, or was closed before its answer: back off and try again, up to a bound.</summary>
    protected override void OnComebackFailed(int index)
    {
        byte attempts = Connections[index].Attempts;
        if (_clients[index].Returning && attempts < MaxReturnAttempts)
        {
            // 50 ms, 100 ms, … up to 1 s: a node that is down (or restarting) is not hammered.
            long backoffUs = Math.Min(1_000_000, 50_000L << Math.Min(attempts - 1, 5));
            Schedule(index, WallClock.NowMicroseconds() + backoffUs);
        }
        else
        {
            GiveUp(index);
        }
    }

    protected override void OnGaveUp(int index)
    {
        ref StormClient client = ref _clients[index];
        client.Phase = StormPhase.Failed;
        if (client.Returning && _episodes.TryGetValue(client.Episode, out StormEpisode? episode))
        {
            episode.Tally.Failed++;
            if (ReferenceEquals(episode, _round) && episode.Settled)
            {
                FinishRound();
            }
        }

        if (_drainDone is not null)
        {
            for (int k = 0; k < _perClient; k++)
            {
                if (_cursors[(index * _perClient) + k].Highest < _final![TopicOf(index, k)])
                {
                    DrainProgress();
                }
            }
        }
    }

    private void DrainProgress()
    {
        if (--_drainRemaining <= 0 && _drainDone is not null)
        {
            FinishDrain();
        }
    }

    private void Cut(int round, double fraction, int seed, long deadlineUs, TaskCompletionSource<StormEpisodeTally> done)
    {
        var episode = new StormEpisode(round) { Done = done, DeadlineUs = deadlineUs };
        _episodes[round] = episode;
        _round = episode;
        var live = new List<int>(_clients.Length);
        for (int i = 0; i < _clients.Length; i++)
        {
            if (_clients[i].Phase == StormPhase.Live)
            {
                live.Add(i);
            }
        }

        int count = (int)Math.Round(Math.Clamp(fraction, 0, 1) * live.Count);
        int[] chosen = [.. live];
        if (count < chosen.Length)
        {
            new Random(seed).Shuffle(chosen);
        }

        // All at once: the loop does nothing else until every chosen connection is reset.
        long now = WallClock.NowMicroseconds();
        for (int c = 0; c < count; c++)
        {
            GoAway(chosen[c], episode, now);
        }

        if (episode.Settled)
        {
            FinishRound();
        }
    }

    private void SayBye()
    {
        CancelConnects();
        _away.Clear();
        for (int i = 0; i < _clients.Length; i++)
        {
            ref StormClient client = ref _clients[i];
            if (client.Phase == StormPhase.Live && Send(i, ByeFrame))
            {
                client.Phase = StormPhase.Leaving;
                _leaving++;
            }
        }

        _byeDeadlineUs = WallClock.NowMicroseconds() + (long)ByeTimeout.TotalMicroseconds;
        if (_leaving == 0)
        {
            Stop();
        }
    }

    /// <summary>Resets the client's connection and schedules its comeback, as part of <paramref name="episode"/>.</summary>
    private void GoAway(int index, StormEpisode episode, long nowUs)
    {
        ref StormClient client = ref _clients[index];
        CloseSocket(index);
        client.Episode = episode.Tally.Round;
        client.CutAtUs = nowUs;
        client.Returning = true;
        client.Resumed = false;
        client.CaughtUp = false;
        Connections[index].Attempts = 0;
        episode.Tally.Cut++;
        if (episode.Tally.FirstCutUs == 0)
        {
            episode.Tally.FirstCutUs = nowUs;
        }

        Schedule(index, nowUs + _outageUs);
    }

    private void Schedule(int index, long returnAtUs)
    {
        ref StormClient client = ref _clients[index];
        if (_resumeOnNextHost)
        {
            Connections[index].Host = (Connections[index].Host + 1) % _hostCount;
        }

        client.Phase = StormPhase.Away;
        client.ReturnAtUs = returnAtUs;
        _away.Enqueue(index, returnAtUs);
    }

    private void ReturnFromAway(long nowUs)
    {
        while (_away.TryPeek(out int index, out long returnAt) && returnAt <= nowUs)
        {
            _away.Dequeue();
            if (_clients[index].Phase == StormPhase.Away)
            {
                _clients[index].Phase = StormPhase.Waiting;
                Enqueue(index);
            }
        }
    }

    private void FinishRound()
    {
        StormEpisode? episode = _round;
        _round = null;
        episode?.Done?.TrySetResult(episode.Snapshot());
    }

    private void Drain(long[] finalSequences, long deadlineUs, TaskCompletionSource<StormTally> done)
    {
        _final = finalSequences;
        _drainDeadlineUs = deadlineUs;
        _drainDone = done;
        _drainRemaining = 0;
        for (int i = 0; i < _clients.Length; i++)
        {
            if (!Connections[i].Joined || _clients[i].Phase == StormPhase.Failed)
            {
                continue;
            }

            for (int k = 0; k < _perClient; k++)
            {
                if (_cursors[(i * _perClient) + k].Highest < finalSequences[TopicOf(i, k)])
                {
                    _drainRemaining++;
                }
            }
        }

        if (_drainRemaining == 0)
        {
            FinishDrain();
        }
    }

    private void FinishDrain()
    {
        long tail = 0, clients = 0;
        for (int i = 0; i < _clients.Length; i++)
        {
            if (!Connections[i].Joined)
            {
                continue;
            }

            clients++;
            for (int k = 0; k < _perClient; k++)
            {
                tail += Math.Max(0, _final![TopicOf(i, k)] - _cursors[(i * _perClient) + k].Highest);
            }
        }

        var tally = new StormTally
        {
            Clients = clients,
            Deliveries = _deliveries,
            Lost = _gaps + tail,
            Duplicates = _duplicates,
            OutOfOrder = _outOfOrder,
            Errors = Errors,
            Unplanned = _episodes[0].Snapshot(),
            Replayed = _replayed.ToStats(),
            Live = _live.ToStats(),
        };
        TaskCompletionSource<StormTally>? done = _drainDone;
        _drainDone = null;
        done?.TrySetResult(tally);
    }
}
