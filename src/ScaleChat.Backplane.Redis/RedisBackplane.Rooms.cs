using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using ScaleChat.Protocol;
using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis;

public sealed partial class RedisBackplane
{
    private readonly ConcurrentDictionary<string, RoomSubscription> _rooms = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim[] _subscribing = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    /// <inheritdoc />
    public async ValueTask SubscribeRoomAsync(string room)
    {
        var gate = Stripe(room);
        await gate.WaitAsync();
        try
        {
            if (_rooms.ContainsKey(room))
            {
                return;
            }

            var subscription = new RoomSubscription(room);
            var channel = _names.RoomChannel(room);
            subscription.Queue = await _redis!.GetSubscriber().SubscribeAsync(channel);
            subscription.Queue.OnMessage(message => OnRoomChannelAsync(subscription, message));
            try
            {
                // Redis may take the SUBSCRIBE after the call returns. A marker that comes back on the
                // channel proves it has; what was published before it is in the position read next.
                await Db.PublishAsync(channel, RedisWire.MarkerFrame(subscription.Marker));
                await subscription.Active.Task.WaitAsync(TimeSpan.FromSeconds(10));
                await subscription.Gate.WaitAsync();
                try
                {
                    (subscription.LastSeq, subscription.Epoch) = await GetPositionAsync(room);
                }
                finally
                {
                    subscription.Gate.Release();
                }
            }
            catch
            {
                await subscription.Queue.UnsubscribeAsync();
                throw;
            }

            _rooms[room] = subscription;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask UnsubscribeRoomAsync(string room)
    {
        var gate = Stripe(room);
        await gate.WaitAsync();
        try
        {
            if (_rooms.TryRemove(room, out var subscription) && subscription.Queue is { } queue)
            {
                await queue.UnsubscribeAsync();
            }
        }
        catch (RedisException ex)
        {
            // Redis is away; it forgot the subscription with the connection or will be told on the next try.
            OnFailure(ex);
        }
        finally
        {
            gate.Release();
        }
    }

    private SemaphoreSlim Stripe(string room) => _subscribing[(StringComparer.Ordinal.GetHashCode(room) & int.MaxValue) % _subscribing.Length];

    /// <summary>One message from a room's channel, in the order Redis published them.</summary>
    private async Task OnRoomChannelAsync(RoomSubscription room, ChannelMessage channelMessage)
    {
        try
        {
            var data = (byte[])channelMessage.Message!;
            var frame = RedisWire.ParseRoomChannel(data);
            if (frame.Kind == RedisWire.MarkerKind[0])
            {
                if (frame.Marker == room.Marker)
                {
                    room.Active.TrySetResult();
                }

                return;
            }

            if (!room.Active.Task.IsCompleted)
            {
                return; // published before this node's position is read: that position covers it
            }

            await room.Gate.WaitAsync(_stopping.Token);
            try
            {
                if (frame.Kind == RedisWire.PresenceKind[0])
                {
                    _handler?.OnPresence(room.Name, frame.User!, frame.Joined, frame.Node!, frame.Connection);
                    return;
                }

                await AdvanceAsync(room, frame.Epoch!, frame.Seq - 1);
                if (frame.Seq == room.LastSeq + 1)
                {
                    Deliver(room, RedisWire.Decode(data.AsSpan(frame.PayloadOffset), frame.Seq));
                }
            }
            finally
            {
                room.Gate.Release();
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.RoomMessageFailed(_logger, room.Name, ex);
        }
    }

    /// <summary>
    /// Delivers what the node missed up to <paramref name="seq"/> from history (pub/sub drops messages
    /// while a connection is down), so that members see every message once and in order. Under the room's gate.
    /// </summary>
    private async Task AdvanceAsync(RoomSubscription room, string epoch, long seq)
    {
        if (epoch != room.Epoch)
        {
            // Redis lost the room's history and it started again at seq 1 in a new epoch.
            Log.EpochChanged(_logger, room.Name, room.Epoch, epoch);
            room.Epoch = epoch;
            room.LastSeq = 0;
            _handler?.OnRoomReset(room.Name);
        }

        if (seq <= room.LastSeq)
        {
            return;
        }

        var entries = await Db.StreamRangeAsync(_names.RoomHistory(room.Name), $"{room.LastSeq + 1}-0", $"{seq}-0");
        if (entries.Length != seq - room.LastSeq)
        {
            Log.GapNotInHistory(_logger, room.Name, room.LastSeq + 1, seq, entries.Length);
        }

        foreach (var entry in entries)
        {
            Deliver(room, Decode(entry));
        }

        room.LastSeq = seq;
    }

    /// <inheritdoc />
    /// <remarks>The messages in Redis of the rooms this node is subscribed to, counted at each heartbeat; the node itself keeps none.</remarks>
    public HistoryFigures History => new(Volatile.Read(ref _historyMessages), 0);

    private long _historyMessages;

    private async Task SampleHistoryAsync()
    {
        var db = Db;
        var lengths = await Task.WhenAll(_rooms.Keys.Select(room => db.StreamLengthAsync(_names.RoomHistory(room))));
        Volatile.Write(ref _historyMessages, lengths.Sum());
    }

    private void Deliver(RoomSubscription room, Envelope envelope)
    {
        room.LastSeq = envelope.Message.Seq;
        _handler?.OnRoomMessage(envelope);
    }

    /// <summary>After Redis came back: fetch what every subscribed room published while the node was cut off.</summary>
    private async Task CatchUpAllAsync()
    {
        foreach (var room in _rooms.Values)
        {
            try
            {
                await room.Gate.WaitAsync(_stopping.Token);
                try
                {
                    var position = await GetPositionAsync(room.Name);
                    await AdvanceAsync(room, position.Epoch, position.Seq);
                }
                finally
                {
                    room.Gate.Release();
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                OnFailure(ex);
                return; // the next restore tries again
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>A room this node is subscribed to, and how far its stream has been delivered here.</summary>
    private sealed class RoomSubscription(string name)
    {
        public string Name { get; } = name;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>What this node publishes to learn that its subscription is in place.</summary>
        public string Marker { get; } = Guid.NewGuid().ToString("N");

        /// <summary>Completes when the marker came back: the subscription is in place.</summary>
        public TaskCompletionSource Active { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ChannelMessageQueue? Queue { get; set; }

        public long LastSeq { get; set; }

        public string? Epoch { get; set; }
    }
}
