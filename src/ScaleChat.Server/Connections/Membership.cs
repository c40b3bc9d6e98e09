
namespace ScaleChat.Server.Connections;

/// <summary>
/// One connection in one room. A new membership is not live: what the room delivers is held back
/// until the join's answer (and any replayed history) is queued, then released in seq order with
/// nothing delivered twice. That is what makes resume gap-free on any backplane.
/// </summary>
internal sealed class Membership(Connection connection, string room, bool presence)
{
    // What arrives before the membership is live, and the lock for it: no lock object is kept once
    // live, as a connection has one membership per room for its whole life.
    private List<(long Seq, byte[] Frame)>? _held = [];
    private long _heldBytes;
    private volatile bool _live;
    private long _lastSeq;

    public Connection Connection { get; } = connection;

    public string Room { get; } = room;

    /// <summary>Whether the connection asked for join/leave events of this room.</summary>
    public bool Presence { get; } = presence;

    /// <summary>The seq of the last message queued to the connection.</summary>
    public long LastSeq => Volatile.Read(ref _lastSeq);

    /// <summary>Called by the room's fan-out, in seq order.</summary>
    public void Deliver(long seq, byte[] frame)
    {
        if (!_live && Volatile.Read(ref _held) is { } held)
        {
            lock (held)
            {
                if (!_live)
                {
                    // Held frames count against the send budget like queued ones.
                    _heldBytes += frame.Length;
                    if (_heldBytes > Connection.SendBudget)
                    {
                        held.Clear();
                        Connection.CloseAsSlowConsumer();
                        return;
                    }

                    held.Add((seq, frame));
                    return;
                }
            }
        }

        if (seq > _lastSeq)
        {
            Volatile.Write(ref _lastSeq, seq);
            Connection.TryEnqueue(frame);
        }
    }

    /// <summary>
    /// The client has been sent everything up to <paramref name="deliveredSeq"/>; release what was
    /// held back after it and deliver live from now on.
    /// </summary>
    public void GoLive(long deliveredSeq)
    {
        var held = _held!;
        lock (held)
        {
            _lastSeq = Math.Max(_lastSeq, deliveredSeq);
            foreach (var (seq, frame) in held)
            {
                if (seq > _lastSeq)
                {
                    _lastSeq = seq;
                    Connection.TryEnqueue(frame);
                }
            }

            _live = true;
            Volatile.Write(ref _held, null);
        }
    }
}
