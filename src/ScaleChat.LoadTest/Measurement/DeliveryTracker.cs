using System.Diagnostics;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Workload;

namespace ScaleChat.LoadTest.Measurement;

/// <summary>
/// Counts every measured message's deliveries exactly. At send time a message gets its expected
/// count (the members of its room joined then, or for a private message its sender and addressee)
/// and a bit per recipient slot; each arrival sets its bit, so a second arrival is a duplicate and
/// an arrival for no slot is unexpected. Latency runs from the message's <em>scheduled</em> time,
/// so a server that stalls shows as latency, not as fewer sends (no coordinated omission).
/// </summary>
internal sealed class DeliveryTracker
{
    private const long MaxTrackedWords = 64L * 1024 * 1024;

    private readonly Plan _plan;
    private readonly int _stride;
    private readonly int[] _expected;
    private readonly ulong[] _bits;
    private readonly double _ticksPerMessage;
    private long _startTicks;
    private long _sent;
    private long _expectedTotal;
    private long _delivered;
    private long _duplicates;
    private long _outOfOrder;
    private long _unexpected;
    private long _late;
    private volatile bool _closed;

    public DeliveryTracker(Plan plan)
    {
        _plan = plan;
        var measured = plan.TotalMessages - plan.WarmupMessages;
        var largestRoom = plan.MembersOf(0);
        _stride = Math.Max(1, (largestRoom + 63) / 64);
        if (measured * _stride > MaxTrackedWords)
        {
            throw new ArgumentException($"{measured:N0} measured messages to rooms of {largestRoom:N0} members are too many to track exactly in one process; shorten --duration, lower --rate or use --workers");
        }

        _expected = new int[measured];
        _bits = new ulong[measured * _stride];
        _ticksPerMessage = plan.Rate > 0 ? Stopwatch.Frequency / plan.Rate : 0;
    }

    public IntervalRecorder Latency { get; } = new();

    public long Sent => Volatile.Read(ref _sent);

    public long Expected => Volatile.Read(ref _expectedTotal);

    public long Delivered => Volatile.Read(ref _delivered);

    public long Duplicates => Volatile.Read(ref _duplicates);

    public long OutOfOrder => Volatile.Read(ref _outOfOrder);

    /// <summary>Copies of messages this run never sent to that recipient (or not at all).</summary>
    public long Unexpected => Volatile.Read(ref _unexpected);

    /// <summary>Deliveries that arrived after the drain ended; counted as lost.</summary>
    public long Late => Volatile.Read(ref _late);

    public DeliveryCounts Snapshot() => new(Sent, Expected, Delivered, Duplicates, OutOfOrder, Unexpected, Late);

    /// <summary>Sets the time of message 0; message k is due <c>k / rate</c> seconds later.</summary>
    public void Start(long startTicks) => _startTicks = startTicks;

    public long ScheduledTicks(long k) => _startTicks + (long)(k * _ticksPerMessage);

    /// <summary>Stops counting: what arrives from now on is late.</summary>
    public void Close() => _closed = true;

    /// <summary>Records that message <paramref name="k"/> is about to be sent, expecting <paramref name="expected"/> copies.</summary>
    public void Sending(long k, int expected)
    {
        if (k < _plan.WarmupMessages)
        {
            return;
        }

        _expected[k - _plan.WarmupMessages] = expected;
        Interlocked.Increment(ref _sent);
        Interlocked.Add(ref _expectedTotal, expected);
    }

    /// <summary>Records one copy of message <paramref name="k"/> arriving at <paramref name="receiver"/>.</summary>
    public void Received(LoadClient receiver, long k, long nowTicks)
    {
        if (k < _plan.WarmupMessages && k >= 0)
        {
            return;
        }

        var m = k - _plan.WarmupMessages;
        if (k < 0 || m >= _expected.Length || Volatile.Read(ref _expected[m]) == 0)
        {
            Interlocked.Increment(ref _unexpected);
            return;
        }

        if (_closed)
        {
            Interlocked.Increment(ref _late);
            return;
        }

        var sender = _plan.SenderOf(k);
        int slot;
        if (_plan.IsPrivate(k))
        {
            slot = receiver.Local == sender ? 0 : receiver.Local == _plan.AddresseeOf(k) ? 1 : -1;
        }
        else
        {
            slot = receiver.Room == _plan.RoomOf(_plan.ClientIndexes[sender]) ? receiver.Slot : -1;
        }

        if (slot < 0)
        {
            Interlocked.Increment(ref _unexpected);
            return;
        }

        var mask = 1UL << (slot & 63);
        if ((Interlocked.Or(ref _bits[(m * _stride) + (slot >> 6)], mask) & mask) != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        Interlocked.Increment(ref _delivered);
        Latency.Record((nowTicks - ScheduledTicks(k)) * 1_000_000 / Stopwatch.Frequency);
        if (receiver.ArrivedOutOfOrder(sender, k))
        {
            Interlocked.Increment(ref _outOfOrder);
        }
    }
}
