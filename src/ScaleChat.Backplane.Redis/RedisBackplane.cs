using Microsoft.Extensions.Logging;
using ScaleChat.Protocol;
using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis;

/// <summary>
/// The backplane of a cluster: seq, history and presence live in Redis; room messages travel on one
/// channel per room, to the nodes subscribed to it; private messages on one channel per node.
/// Rooms and gap filling: <c>RedisBackplane.Rooms.cs</c>; users, presence and node liveness:
/// <c>RedisBackplane.Nodes.cs</c>.
/// </summary>
public sealed partial class RedisBackplane : IBackplane, IRoomStreams, IPresence, IUserRouting
{
    private readonly RedisBackplaneOptions _options;
    private readonly RedisNames _names;
    private readonly ILogger<RedisBackplane> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private ConnectionMultiplexer? _redis;
    private IBackplaneHandler? _handler;
    private string _nodeId = "";
    private Task _maintenance = Task.CompletedTask;

    /// <summary>Creates the backplane; <see cref="StartAsync"/> connects it.</summary>
    public RedisBackplane(RedisBackplaneOptions options, ILogger<RedisBackplane> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _names = new RedisNames(options.Prefix);
        _logger = logger;
    }

    /// <inheritdoc />
    public bool IsReady => _redis is { IsConnected: true } redis && redis.GetSubscriber().IsConnected() && _nodeChannel is not null;

    private IDatabase Db => _redis!.GetDatabase();

    /// <inheritdoc />
    public async Task StartAsync(BackplaneNode node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        _nodeId = node.NodeId;
        _handler = node.Handler;
        var config = ConfigurationOptions.Parse(_options.Configuration);
        // Stay up while Redis is away: fail commands at once instead of queueing them, reconnect with backoff.
        config.AbortOnConnectFail = false;
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        config.ClientName ??= $"scalechat-{_nodeId}";
        config.ConnectTimeout = Math.Min(config.ConnectTimeout, 5000);
        config.AsyncTimeout = Math.Min(config.AsyncTimeout, 5000);
        _redis = await ConnectionMultiplexer.ConnectAsync(config).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        _redis.ConnectionFailed += (_, e) => OnDown(Reason(e.FailureType, e.Exception));
        _redis.ConnectionRestored += (_, e) =>
        {
            OnSuccess();
            _dirty = true; // and once more at the next upkeep, when every subscription is surely back
            _ = CatchUpAllAsync();
        };
        await TryMaintainAsync();
        _maintenance = MaintainAsync(_stopping.Token);
    }

    /// <inheritdoc />
    public async ValueTask<Envelope> PublishAsync(Envelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var room = envelope.Message.Room ?? throw new ArgumentException("a room message needs a room", nameof(envelope));
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RedisScripts.Publish, RoomKeys(room),
            [NewEpoch(), RedisWire.Encode(envelope), _options.HistorySize, _names.RoomChannel(room).ToString()]))!;
        return envelope.WithSeq((long)result[0]);
    }

    /// <inheritdoc />
    public async ValueTask<RoomPosition> GetPositionAsync(string room)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RedisScripts.Position, RoomKeys(room), [NewEpoch()]))!;
        return new RoomPosition((long)result[0], (string)result[1]!);
    }

    /// <inheritdoc />
    public async ValueTask<RecoveredMessages?> RecoverAsync(string room, long afterSeq, string epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(RedisScripts.Recover, RoomKeys(room), [NewEpoch(), epoch, afterSeq]))!;
        if ((long)result[2] == 0)
        {
            return null;
        }

        var messages = new ChatMessage[result.Length - 3];
        for (var i = 0; i < messages.Length; i++)
        {
            messages[i] = RedisWire.Decode((byte[])result[i + 3]!, afterSeq + i + 1).Message;
        }

        return new RecoveredMessages(messages, new RoomPosition((long)result[0], (string)result[1]!));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ChatMessage>> GetHistoryAsync(string room, long beforeSeq, int limit)
    {
        if (limit <= 0 || beforeSeq == 1)
        {
            return [];
        }

        var newest = beforeSeq <= 0 ? "+" : $"{beforeSeq - 1}-0";
        var entries = await Db.StreamRangeAsync(_names.RoomHistory(room), "-", newest, limit, Order.Descending);
        var messages = new ChatMessage[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            messages[entries.Length - 1 - i] = Decode(entries[i]).Message;
        }

        return messages;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _maintenance.ConfigureAwait(false);
        if (_redis is { } redis)
        {
            // Leave the cluster cleanly: the others hear the leaves now rather than after the timeout.
            try
            {
                await Db.KeyDeleteAsync(_names.NodeAlive(_nodeId));
                await SweepAsync(_nodeId);
            }
            catch (RedisException ex)
            {
                OnFailure(ex);
            }

            await redis.CloseAsync();
            redis.Dispose();
        }

        _stopping.Dispose();
    }

    private RedisKey[] RoomKeys(string room) => [_names.RoomEpoch(room), _names.RoomSeq(room), _names.RoomHistory(room)];

    private static string NewEpoch() => Guid.NewGuid().ToString("N")[..12];

    private static Envelope Decode(StreamEntry entry)
    {
        var id = (string)entry.Id!;
        var seq = long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
        return RedisWire.Decode((byte[])entry[RedisWire.HistoryField]!, seq);
    }
}
