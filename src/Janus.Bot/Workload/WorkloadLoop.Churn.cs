namespace Janus.Bot.Workload;

/// <summary>The workload loop's churn: a client leaves, still reads for the linger, closes; a newcomer takes its place.</summary>
internal sealed partial class WorkloadLoop
{
    private void SendOneAway(long nowUs)
    {
        for (int pick = 0; pick < MaxPicks; pick++)
        {
            int index = _random.Next(_clients.Length);
            ref WorkloadClient client = ref _clients[index];
            if (client.Phase != WorkloadPhase.Live)
            {
                continue;
            }

            client.Phase = WorkloadPhase.Leaving;
            client.LeaveUs = nowUs;
            _leaving.Enqueue((index, nowUs + _lingerUs));
            _leaves++;
            return;
        }

        _churnSkipped++;
    }

    /// <summary>The linger is over: the leaver closes, and while the churn runs a newcomer connects in its place.</summary>
    private void Depart(int index)
    {
        ref WorkloadClient client = ref _clients[index];
        if (client.Phase != WorkloadPhase.Leaving)
        {
            // Dropped meanwhile, or closed by the drain.
            return;
        }

        CloseWindows(index, client.LeaveUs);
        CloseSocket(index);
        if (!_churning)
        {
            client.Phase = WorkloadPhase.Gone;
            return;
        }

        client.Phase = WorkloadPhase.Connecting;
        Connections[index].Attempts = 0;
        Enqueue(index);
    }
}
