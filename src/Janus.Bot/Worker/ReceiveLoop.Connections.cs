using System.Buffers;
using Janus.Bot.Native;
using Janus.Native;

namespace Janus.Bot.Worker;

/// <summary>The receive loop's connections: bounded non-blocking connects, retries, giving up, closing by reset.</summary>
internal abstract unsafe partial class ReceiveLoop
{
    /// <summary>The socket is up: send the mode's first frame. Close it (<see cref="RetryOrFail"/>) if that fails.</summary>
    protected abstract void OnConnected(int index);

    /// <summary>The client is given up (<see cref="ConnectionSlot.Failed"/> is set and counted): the mode's own bookkeeping.</summary>
    protected abstract void OnGaveUp(int index);

    /// <summary>A comeback of a client that had joined failed to connect or was refused; by default it is given up.</summary>
    protected virtual void OnComebackFailed(int index) => GiveUp(index);

    /// <summary>Queues a connect (a storm's comeback); it starts when the connect concurrency allows.</summary>
    protected void Enqueue(int index) => _connectQueue.Enqueue(index);

    /// <summary>No more connects: setup is over and whatever is queued stays away (the end of a storm).</summary>
    protected void CancelConnects()
    {
        _setupRunning = false;
        _connectQueue.Clear();
    }

    /// <summary>The client is subscribed at setup: it counts from now on.</summary>
    protected void Join(int index)
    {
        Connections[index].Joined = true;
        InFlight--;
        Volatile.Write(ref _subscribed, _subscribed + 1);
    }

    /// <summary>
    /// A connection being set up ended (connect failed, closed, refused): a client that never joined tries again, a
    /// few times while setup runs, else is given up; a comeback is the mode's (<see cref="OnComebackFailed"/>).
    /// </summary>
    protected void RetryOrFail(int index)
    {
        ref ConnectionSlot slot = ref Connections[index];
        if (slot.State == ConnectionState.Open && !slot.Joined)
        {
            Volatile.Write(ref _connected, _connected - 1);
        }

        CloseSocket(index);
        InFlight--;
        if (slot.Joined)
        {
            OnComebackFailed(index);
        }
        else if (_setupRunning && slot.Attempts < MaxSetupAttempts)
        {
            _connectQueue.Enqueue(index);
        }
        else
        {
            GiveUp(index);
        }
    }

    /// <summary>Gives the client up for good.</summary>
    protected void GiveUp(int index)
    {
        Connections[index].Failed = true;
        Volatile.Write(ref _failed, _failed + 1);
        OnGaveUp(index);
    }

    /// <summary>Sends <paramref name="bytes"/> whole without blocking; false when the socket did not take them all.</summary>
    protected bool Send(int index, byte[] bytes)
    {
        fixed (byte* p = bytes)
        {
            return Libc.Send(Connections[index].Fd, p, (nuint)bytes.Length, Libc.MsgNoSignal | Libc.MsgDontWait) == bytes.Length;
        }
    }

    /// <summary>
    /// Closes the client's socket, if it has one, with a reset: <c>SO_LINGER</c> 0 makes <c>close</c> send RST (a cut
    /// looks to the server as a network failure does), and neither side keeps the 4-tuple in TIME_WAIT, so back-to-back
    /// runs and thousands of comebacks from the same source addresses find ports.
    /// </summary>
    protected void CloseSocket(int index)
    {
        ref ConnectionSlot slot = ref Connections[index];
        slot.State = ConnectionState.Idle;
        if (slot.Fd < 0)
        {
            return;
        }

        long linger = 1; // struct linger { int l_onoff = 1; int l_linger = 0; }
        Libc.SetSockOpt(slot.Fd, Libc.SolSocket, Libc.SoLinger, &linger, sizeof(long));
        Libc.Close(slot.Fd);
        slot.Fd = -1;
        if (slot.Pending is not null)
        {
            ArrayPool<byte>.Shared.Return(slot.Pending);
            slot.Pending = null;
            slot.PendingLength = 0;
        }
    }

    private void PumpConnects()
    {
        while (InFlight < _maxInFlight && _connectQueue.Count > 0)
        {
            BeginConnect(_connectQueue.Dequeue());
        }
    }

    private void BeginConnect(int index)
    {
        ref ConnectionSlot slot = ref Connections[index];
        slot.Attempts++;
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
            SocketAddressV4 source = _sources[slot.Source];
            if (Libc.Bind(fd, &source, SocketAddressV4.Size) < 0)
            {
                LogError($"bind() failed: errno {Libc.Errno}");
                Libc.Close(fd);
                GiveUp(index);
                return;
            }
        }

        slot.Fd = fd;
        slot.State = ConnectionState.Connecting;
        InFlight++;
        SocketAddressV4 destination = _hosts[slot.Host];
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

    /// <summary>The connect finished; false when it failed (the client is then retried or given up).</summary>
    private bool CompleteConnect(int index)
    {
        ref ConnectionSlot slot = ref Connections[index];
        int error = 0;
        uint length = sizeof(int);
        if (Libc.GetSockOpt(slot.Fd, Libc.SolSocket, Libc.SoError, &error, &length) < 0)
        {
            error = Libc.Errno;
        }

        if (error != 0)
        {
            LogError($"connect failed: errno {error}");
            RetryOrFail(index);
            return false;
        }

        // Stop asking for writability (level-triggered, it would fire on every wait from now on).
        EpollEvents.Control(_epfd, Libc.EpollCtlMod, slot.Fd, Libc.EpollIn | Libc.EpollRdHup, (ulong)index);
        if (!slot.Joined)
        {
            Volatile.Write(ref _connected, _connected + 1);
        }

        slot.State = ConnectionState.Open;
        OnConnected(index);
        return slot.State == ConnectionState.Open;
    }

    private void CheckSetup(long nowUs)
    {
        if (_subscribed + _failed < Connections.Length && nowUs < _setupDeadlineUs)
        {
            return;
        }

        if (_subscribed + _failed < Connections.Length)
        {
            // Out of time: whoever is not subscribed has failed.
            for (int i = 0; i < Connections.Length; i++)
            {
                ref ConnectionSlot slot = ref Connections[i];
                if (!slot.Joined && !slot.Failed)
                {
                    CloseSocket(i);
                    slot.Failed = true;
                    _failed++;
                    OnGaveUp(i);
                }
            }

            _connectQueue.Clear();
            InFlight = 0;
            Volatile.Write(ref _failed, _failed);
        }

        _setupRunning = false;
        _setupDone?.TrySetResult();
        _setupDone = null;
    }
}
