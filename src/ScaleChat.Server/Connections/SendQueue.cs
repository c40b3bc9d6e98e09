using System.Buffers;
using ScaleChat.Protocol;

namespace ScaleChat.Server.Connections;

/// <summary>
/// A send queue's one consumer (the connection's writer), woken when its queue goes from parked to
/// not empty or completed. It takes batches until <see cref="SendQueue.Park"/> parks it again; no
/// task waits in between, so an idle connection holds no writer state at all.
/// </summary>
internal interface ISendQueueReader
{
    /// <summary>Something was queued (or the queue completed) while the reader was parked.</summary>
    void OnQueued();
}

/// <summary>
/// A connection's outgoing frames: many producers (fan-out from any thread) and one consumer (the
/// connection's writer). Bounded in bytes, so a slow reader is found instead of growing without
/// end. Written by hand because an idle connection must cost almost nothing: an empty queue holds
/// no array, and a parked reader holds nothing but this queue. With a <see cref="SendLoop"/>, a
/// parked reader is woken on that loop's thread and runs there; without one, on the thread pool.
/// </summary>
internal sealed class SendQueue(long maxBytes, ISendQueueReader? reader = null, SendLoop? loop = null) : IThreadPoolWorkItem
{
    private static readonly byte[][] Empty = [];

    private readonly Lock _lock = new();
    private byte[][] _items = Empty;
    private int _head;
    private int _count;
    private long _bytes;
    private bool _completed;

    // The reader starts parked: the first frame (or the completion) wakes it.
    private bool _parked = reader is not null;

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
            wake = _parked;
            _parked = false;
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

    /// <summary>What <see cref="Park"/> found.</summary>
    public enum ParkResult
    {
        /// <summary>The reader is parked: the next frame or the completion wakes it.</summary>
        Parked,
        /// <summary>Frames came in meanwhile: the reader goes on taking them.</summary>
        More,
        /// <summary>The queue is completed and empty: the reader is done for good.</summary>
        Done,
    }

    /// <summary>The reader found the queue empty; parks it unless a frame came in or the queue is done.</summary>
    public ParkResult Park()
    {
        lock (_lock)
        {
            if (_count > 0)
            {
                return ParkResult.More;
            }

            if (_completed)
            {
                return ParkResult.Done;
            }

            _parked = true;
            return ParkResult.Parked;
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

            wake = _parked;
            _parked = false;
        }

        if (wake)
        {
            Wake();
        }
    }

    /// <summary>Runs the woken reader on this thread (the send loop's).</summary>
    internal void RunReader() => reader!.OnQueued();

    /// <summary>Runs the woken reader on the thread pool.</summary>
    internal void WakeOnThreadPool() => ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);

    void IThreadPoolWorkItem.Execute() => RunReader();

    private void Wake()
    {
        if (loop is null || !loop.Wake(this))
        {
            WakeOnThreadPool();
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

}
