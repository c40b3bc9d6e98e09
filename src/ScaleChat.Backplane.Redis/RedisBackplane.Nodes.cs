using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text;
using ScaleChat.Protocol;
using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis;

public sealed partial class RedisBackplane
{
    // What this node has told Redis, to tell it again when Redis forgot (restart) or the node was swept.
    private readonly ConcurrentDictionary<string, byte> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Room, string User), long> _presence = new();
    private ChannelMessageQueue? _nodeChannel;

    // Set when Redis may not hold what this node told it (a removal failed, a connection came back):
    // the next upkeep makes Redis agree with the node again and catches the rooms up.
    private volatile bool _dirty;
    private bool _registered;

    /// <inheritdoc />
    public async ValueTask AddUserAsync(string user)
    {
        _users[user] = 0;
        await AddUserToRedisAsync(user);
    }

    /// <inheritdoc />
    /// <remarks>Never fails: while Redis is away, the next upkeep after it is back does it.</remarks>
    public async ValueTask RemoveUserAsync(string user)
    {
        _users.TryRemove(user, out _);
        await EventuallyAsync(RemoveUserFromRedisAsync(user));
    }

    /// <inheritdoc />
    public async ValueTask<bool> IsUserOnlineAsync(string user) => await Db.KeyExistsAsync(_names.UserNodes(user));

    /// <inheritdoc />
    public async ValueTask PublishPrivateAsync(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var message = envelope.Message;
        ArgumentNullException.ThrowIfNull(message.To);
        await Db.ScriptEvaluateAsync(RedisScripts.PublishPrivate,
            [_names.UserNodes(message.To), _names.UserNodes(message.From)],
            [_names.NodeChannelPrefix, RedisWire.Encode(envelope)]);
    }

    /// <inheritdoc />
    public async ValueTask AddPresenceAsync(string room, string user, long connectionId)
    {
        _presence[(room, user)] = connectionId;
        await PresenceAsync(RedisScripts.AddPresence, room, user, connectionId);
    }

    /// <inheritdoc />
    /// <remarks>Never fails: while Redis is away, the next upkeep after it is back does it (and sends the leave).</remarks>
    public async ValueTask RemovePresenceAsync(string room, string user, long connectionId)
    {
        _presence.TryRemove((room, user), out _);
        await EventuallyAsync(PresenceAsync(RedisScripts.RemovePresence, room, user, connectionId));
    }

    private async Task EventuallyAsync(Task removal)
    {
        try
        {
            await removal;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _dirty = true;
            OnFailure(ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyCollection<string>> GetMembersAsync(string room) =>
        [.. (await Db.HashKeysAsync(_names.RoomPresence(room))).Select(u => (string)u!)];

    private Task AddUserToRedisAsync(string user) => UserInRedisAsync(user, online: true);

    private Task RemoveUserFromRedisAsync(string user) => UserInRedisAsync(user, online: false);

    /// <summary>Adds (or removes) this node in the user's nodes and the user in this node's users, in one round trip.</summary>
    private Task UserInRedisAsync(string user, bool online)
    {
        var batch = Db.CreateBatch();
        var done = online
            ? Task.WhenAll(batch.SetAddAsync(_names.UserNodes(user), _nodeId), batch.SetAddAsync(_names.NodeUsers(_nodeId), user))
            : Task.WhenAll(batch.SetRemoveAsync(_names.UserNodes(user), _nodeId), batch.SetRemoveAsync(_names.NodeUsers(_nodeId), user));
        batch.Execute();
        return done;
    }

    /// <summary>Makes what Redis holds for this node agree with its local users and presence, both ways.</summary>
    private async Task ReconcileAsync()
    {
        var db = Db;
        var users = (await db.SetMembersAsync(_names.NodeUsers(_nodeId))).Select(u => (string)u!).ToHashSet(StringComparer.Ordinal);
        var presence = (await db.SetMembersAsync(_names.NodePresence(_nodeId))).Select(e => (string)e!).ToHashSet(StringComparer.Ordinal);
        var local = _presence.ToArray();
        var localEntries = local.Select(p => RedisWire.PresenceEntry(p.Key.Room, p.Key.User)).ToHashSet(StringComparer.Ordinal);
        await Task.WhenAll(
            _users.Keys.Where(u => !users.Contains(u)).Select(AddUserToRedisAsync)
                .Concat(users.Where(u => !_users.ContainsKey(u)).Select(RemoveUserFromRedisAsync))
                .Concat(local.Where(p => !presence.Contains(RedisWire.PresenceEntry(p.Key.Room, p.Key.User)))
                    .Select(p => PresenceAsync(RedisScripts.AddPresence, p.Key.Room, p.Key.User, p.Value)))
                .Concat(presence.Where(e => !localEntries.Contains(e)).Select(RedisWire.ParsePresenceEntry)
                    .Select(e => PresenceAsync(RedisScripts.RemovePresence, e.Room, e.User, 0))));
    }

    private Task PresenceAsync(string script, string room, string user, long connectionId) =>
        Db.ScriptEvaluateAsync(script, [_names.NodePresence(_nodeId), _names.RoomPresence(room)],
            [RedisWire.PresenceEntry(room, user), user, _names.RoomChannel(room).ToString(), _nodeId, connectionId]);

    private void OnNodeChannel(ChannelMessage message)
    {
        try
        {
            _handler?.OnPrivateMessage(RedisWire.Decode((byte[])message.Message!, 0));
        }
        catch (Exception ex)
        {
            Log.PrivateMessageFailed(_logger, ex);
        }
    }

    /// <summary>Heartbeats, and sweeps of dead nodes, until the backplane is disposed.</summary>
    private async Task MaintainAsync(CancellationToken stopping)
    {
        var interval = _options.NodeTimeout / 3;
        try
        {
            while (true)
            {
                await Task.Delay(interval, stopping);
                await TryMaintainAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TryMaintainAsync()
    {
        try
        {
            _nodeChannel ??= await SubscribeNodeChannelAsync();
            if (!_registered)
            {
                // A node restarted under the same name forgets what its last life left behind.
                await Db.KeyDeleteAsync(_names.NodeAlive(_nodeId));
                await SweepAsync(_nodeId);
            }

            var fresh = (long)await Db.ScriptEvaluateAsync(RedisScripts.Heartbeat,
                [_names.Nodes, _names.NodeAlive(_nodeId)], [_nodeId, (long)_options.NodeTimeout.TotalMilliseconds]) == 1;
            if ((fresh && _registered) || _dirty)
            {
                // Redis forgot this node (it restarted, or the node was cut off long enough to be swept),
                // or missed some of what the node told it.
                _dirty = false;
                Log.Reconciling(_logger, _users.Count, _presence.Count);
                await ReconcileAsync();
                await CatchUpAllAsync();
            }

            _registered = true;
            OnSuccess();
            await SampleHistoryAsync();

            foreach (var node in await Db.SetMembersAsync(_names.Nodes))
            {
                if ((string)node! != _nodeId)
                {
                    await SweepAsync((string)node!);
                }
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _dirty = true;
            OnFailure(ex);
        }
    }

    private async Task<ChannelMessageQueue> SubscribeNodeChannelAsync()
    {
        var queue = await _redis!.GetSubscriber().SubscribeAsync(_names.NodeChannel(_nodeId));
        queue.OnMessage(OnNodeChannel);
        return queue;
    }

    private async Task SweepAsync(string node)
    {
        var swept = (long)await Db.ScriptEvaluateAsync(RedisScripts.Sweep,
            [_names.Nodes, _names.NodeAlive(node), _names.NodePresence(node), _names.NodeUsers(node)],
            [node, _names.RoomPresenceName.Head, _names.RoomPresenceName.Tail, _names.RoomChannelName.Head, _names.RoomChannelName.Tail,
                _names.UserNodesName.Head, _names.UserNodesName.Tail]);
        if (swept == 1 && node != _nodeId)
        {
            Log.NodeSwept(_logger, node);
        }
    }
}
