using System.Buffers;
using System.Threading.Tasks.Sources;
using ScaleChat.Protocol;

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
    /// Takes the next batch: queued frames joined by '\n' up to <paramref name="maxBytes"/> (and at
    /// least the first whole), copied after <paramref name="headerRoom"/> free bytes into a buffer
    /// rented from the shared pool, which the caller returns; null when the queue is empty. One pass
    /// over the bytes, with no array of references between the queue and the frame.
    /// </summary>
    public byte[]? DequeueBatch(int maxBytes, int headerRoom, out int objects, out int length)
    {
        lock (_lock)
        {
            objects = 0;
            length = 0;
            if (_count == 0)
            {
                return null;
            }

            var capacity = (int)Math.Max(_items[_head].Length, Math.Min(_bytes + _count - 1, maxBytes));
            var buffer = ArrayPool<byte>.Shared.Rent(headerRoom + capacity);
            var destination = buffer.AsSpan(headerRoom, capacity);
            while (_count > 0)
            {
                var frame = _items[_head];
                var separator = objects > 0 ? 1 : 0;
                if (length + separator + frame.Length > capacity)
                {
                    break;
                }

                if (separator > 0)
                {
                    destination[length++] = ProtocolConstants.ObjectSeparator;
                }

                frame.CopyTo(destination[length..]);
                length += frame.Length;
                objects++;
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

            return buffer;
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
