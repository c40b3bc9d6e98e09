using System.Threading.Tasks.Sources;

namespace ScaleChat.Server.Connections;

/// <summary>
/// A connection's outgoing frames: many producers (fan-out from any thread) and one consumer (the
/// connection's writer loop). Bounded in bytes, so a slow reader is found instead of growing
/// without end. Written by hand because an idle connection must cost almost nothing: an empty
/// queue holds no array, and waiting costs no allocation. With a <see cref="SendLoop"/>, a parked
/// writer is woken on that loop's thread and runs there; without one, on the thread pool.
/// </summary>
internal sealed class SendQueue(long maxBytes, SendLoop? loop = null) : IValueTaskSource<bool>
{
    private static readonly byte[][] Empty = [];

    private readonly Lock _lock = new();
    private byte[][] _items = Empty;
    private int _head;
    private int _count;
    private long _bytes;
    private bool _completed;
    private bool _waiting;
    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = loop is null };

    /// <summary>What <see cref="TryEnqueue"/> did.</summary>
    public enum Result
    {
        /// <summary>Queued.</summary>
        Queued,
        /// <summary>Not queued: it would have gone over the byte limit.</summary>
        Full,
        /// <summary>Not queued: the queue is completed.</summary>
        Closed,
    }

    /// <summary>Bytes queued now.</summary>
    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Frames queued now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Queues one frame without waiting; safe from any thread.</summary>
    public Result TryEnqueue(byte[] frame)
    {
        bool wake;
        lock (_lock)
        {
            if (_completed)
            {
                return Result.Closed;
            }

            // Every frame counts, the first too: answers are cut to fit (a history page), so a client
            // that never reads holds at most maxBytes here.
            if (_bytes + frame.Length > maxBytes)
            {
                return Result.Full;
            }

            if (_count == _items.Length)
            {
                Grow();
            }

            _items[(_head + _count) % _items.Length] = frame;
            _count++;
            _bytes += frame.Length;
            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            Wake();
        }

        return Result.Queued;
    }

    /// <summary>
    /// Moves queued frames into <paramref name="batch"/> until their bytes would pass
    /// <paramref name="maxBytes"/> (at least one frame is always taken); returns how many.
    /// </summary>
    public int DequeueBatch(byte[][] batch, int maxBytes)
    {
        lock (_lock)
        {
            var taken = 0;
            var bytes = 0;
            while (_count > 0 && taken < batch.Length)
            {
                var frame = _items[_head];
                if (taken > 0 && bytes + frame.Length + 1 > maxBytes)
                {
                    break;
                }

                batch[taken++] = frame;
                bytes += frame.Length + 1;
                _items[_head] = null!;
                _head = (_head + 1) % _items.Length;
                _count--;
                _bytes -= frame.Length;
            }

            if (_count == 0 && _items.Length > 64)
            {
                // Give back what a burst made us grow, so an idle connection stays small.
                _items = Empty;
                _head = 0;
            }

            return taken;
        }
    }

    /// <summary>Completes when there is a frame to read (true) or the queue is completed and empty (false).</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            _signal.Reset();
            _waiting = true;
            return new ValueTask<bool>(this, _signal.Version);
        }
    }

    /// <summary>No more frames will be queued; with <paramref name="discard"/>, what is queued is dropped.</summary>
    public void Complete(bool discard)
    {
        bool wake;
        lock (_lock)
        {
            _completed = true;
            if (discard)
            {
                _items = Empty;
                _head = 0;
                _count = 0;
                _bytes = 0;
            }

            wake = _waiting;
            _waiting = false;
        }

        if (wake)
        {
            Wake();
        }
    }

    /// <summary>Completes the parked writer's wait (on the send loop's thread, when there is one).</summary>
    internal void Signal() => _signal.SetResult(Volatile.Read(ref _count) > 0);

    private void Wake()
    {
        if (loop is null)
        {
            Signal();
        }
        else
        {
            loop.Wake(this);
        }
    }

    private void Grow()
    {
        var grown = new byte[Math.Max(8, _items.Length * 2)][];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = _items[(_head + i) % _items.Length];
        }

        _items = grown;
        _head = 0;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _signal.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);
}
