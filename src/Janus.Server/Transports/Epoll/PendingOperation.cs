using System.Threading.Tasks.Sources;

namespace Janus.Server.Transports.Epoll;

/// <summary>
/// The one awaitable operation a reader, writer or listener has pending (a read, a flush, a wait for connections):
/// its value-task core and the registration of the caller's token.
/// </summary>
/// <remarks>
/// <para>Completion runs the caller's continuation inline on the completing thread (the core's
/// <c>RunContinuationsAsynchronously</c> stays false): a read completed by the loop thread is handled there, as
/// with Kestrel's inline scheduling.</para>
/// <para>The token's registration is disposed as the result is taken, so a long-lived token neither accumulates
/// registrations nor cancels a later operation.</para>
/// <para>A mutable struct: keep it in a field and use it there, never through a copy.</para>
/// </remarks>
internal struct PendingOperation<T>
{
    private ManualResetValueTaskSourceCore<T> _core;
    private CancellationTokenRegistration _registration;

    /// <summary>Readies the core for a new operation (under the owner's lock, before anyone can complete it).</summary>
    public void Reset() => _core.Reset();

    /// <summary>
    /// The operation as a value task over <paramref name="source"/> (the owner, which forwards its
    /// <see cref="IValueTaskSource{TResult}"/> calls here); <paramref name="cancel"/> runs with the owner if
    /// <paramref name="cancellationToken"/> fires first.
    /// </summary>
    public ValueTask<T> AsValueTask(IValueTaskSource<T> source, Action<object?> cancel, CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(cancel, source);
        }

        return new ValueTask<T>(source, _core.Version);
    }

    /// <summary>Completes the operation with <paramref name="result"/>, or with <paramref name="error"/> when there is one.</summary>
    public void Complete(T result, Exception? error = null)
    {
        if (error is not null)
        {
            _core.SetException(error);
        }
        else
        {
            _core.SetResult(result);
        }
    }

    public T GetResult(short token)
    {
        CancellationTokenRegistration registration = _registration;
        _registration = default;
        registration.Dispose();
        return _core.GetResult(token);
    }

    public readonly ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
