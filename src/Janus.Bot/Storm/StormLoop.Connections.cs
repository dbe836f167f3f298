using System.Buffers;
using Janus.Bot.Native;
using Janus.Bot.Worker;
using Janus.Native;

namespace Janus.Bot.Storm;

/// <summary>The storm loop's connections: bounded non-blocking connects, retries with backoff, giving up, closing by reset.</summary>
internal sealed unsafe partial class StormLoop
{
    private void PumpConnects()
    {
        while (_inFlight < _maxInFlight && _connectQueue.Count > 0)
        {
            BeginConnect(_connectQueue.Dequeue());
        }
    }

    private void BeginConnect(int index)
    {
        ref StormClient client = ref _clients[index];
        client.Attempts++;
        int fd = Libc.Socket(Libc.AfInet, Libc.SockStream | Libc.SockNonBlock | Libc.SockCloExec, 0);
        if (fd < 0)
        {
            // Out of file descriptors: retrying will not help.
            LogError($"socket() failed: errno {Libc.Errno}");
            GiveUp(index);
            return;
        }

        int one = 1;
        Libc.SetSockOpt(fd, Libc.IpProtoTcp, Libc.TcpNoDelay, &one, sizeof(int));
        if (_sources.Length > 0)
        {
            Libc.SetSockOpt(fd, Libc.IpProtoIp, Libc.IpBindAddressNoPort, &one, sizeof(int));
            SocketAddressV4 source = _sources[client.Source];
            if (Libc.Bind(fd, &source, SocketAddressV4.Size) < 0)
            {
                LogError($"bind() failed: errno {Libc.Errno}");
                Libc.Close(fd);
                GiveUp(index);
                return;
            }
        }

        client.Fd = fd;
        client.Phase = StormPhase.Connecting;
        _inFlight++;
        SocketAddressV4 destination = _hosts[client.Host];
        if (Libc.Connect(fd, &destination, SocketAddressV4.Size) < 0 && Libc.Errno != Libc.EInProgress)
        {
            LogError($"connect() failed: errno {Libc.Errno}");
            RetryOrFail(index);
            return;
        }

        if (EpollEvents.Control(_epfd, Libc.EpollCtlAdd, fd, Libc.EpollIn | Libc.EpollOut | Libc.EpollRdHup, (ulong)index) < 0)
        {
            LogError($"epoll_ctl failed: errno {Libc.Errno}");
            RetryOrFail(index);
        }
    }

    private void CheckSetup(long nowUs)
    {
        if (_subscribed + _failed < _clients.Length && nowUs < _setupDeadlineUs)
        {
            return;
        }

        if (_subscribed + _failed < _clients.Length)
        {
            // Out of time: whoever is not subscribed has failed.
            for (int i = 0; i < _clients.Length; i++)
            {
                ref StormClient client = ref _clients[i];
                if (!client.Joined && client.Phase != StormPhase.Failed)
                {
                    CloseSocket(ref client);
                    client.Phase = StormPhase.Failed;
                    _failed++;
                }
            }

            _connectQueue.Clear();
            _inFlight = 0;
            Volatile.Write(ref _failed, _failed);
        }

        _setupRunning = false;
        _setupDone?.TrySetResult();
        _setupDone = null;
    }

    /// <summary>A connection in progress ended: try again (a few times, with backoff on a comeback), else give up.</summary>
    private void RetryOrFail(int index)
    {
        ref StormClient client = ref _clients[index];
        CloseSocket(ref client);
        _inFlight--;
        if (!client.Returning && _setupRunning && client.Attempts < MaxSetupAttempts)
        {
            client.Phase = StormPhase.Waiting;
            _connectQueue.Enqueue(index);
        }
        else if (client.Returning && client.Attempts < MaxReturnAttempts)
        {
            // 50 ms, 100 ms, … up to 1 s: a node that is down (or restarting) is not hammered.
            long backoffUs = Math.Min(1_000_000, 50_000L << Math.Min(client.Attempts - 1, 5));
            Schedule(index, WallClock.NowMicroseconds() + backoffUs);
        }
        else
        {
            GiveUp(index);
        }
    }

    private void GiveUp(int index)
    {
        ref StormClient client = ref _clients[index];
        client.Phase = StormPhase.Failed;
        Volatile.Write(ref _failed, _failed + 1);
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

    private static bool Send(int fd, byte[] bytes)
    {
        fixed (byte* p = bytes)
        {
            return Libc.Send(fd, p, (nuint)bytes.Length, Libc.MsgNoSignal | Libc.MsgDontWait) == bytes.Length;
        }
    }

    private static void CloseSocket(ref StormClient client)
    {
        if (client.Fd < 0)
        {
            return;
        }

        // SO_LINGER 0: close sends RST (the cut is a reset, as a network failure looks to the server), and neither side
        // keeps the 4-tuple in TIME_WAIT, so thousands of comebacks from the same source addresses find ports.
        long linger = 1; // struct linger { int l_onoff = 1; int l_linger = 0; }
        Libc.SetSockOpt(client.Fd, Libc.SolSocket, Libc.SoLinger, &linger, sizeof(long));
        Libc.Close(client.Fd);
        client.Fd = -1;
        if (client.Pending is not null)
        {
            ArrayPool<byte>.Shared.Return(client.Pending);
            client.Pending = null;
            client.PendingLength = 0;
        }
    }
}
