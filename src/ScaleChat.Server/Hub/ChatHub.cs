using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using ScaleChat.Backplane;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Identity;
using ScaleChat.Server.Metrics;

namespace ScaleChat.Server.Hub;

/// <summary>
/// Decides who gets what: rooms and users in sharded registries, commands from connections, and
/// what the backplane delivers, encoded once and queued to every local recipient.
/// Rooms and membership: <c>ChatHub.Rooms.cs</c>; messages and fan-out: <c>ChatHub.Messages.cs</c>;
/// who a connection is (hello, tokens, name holds): <c>ChatHub.Identity.cs</c>.
/// </summary>
internal sealed partial class ChatHub : IBackplaneHandler, IConnectionHandler, INodeState
{
    private readonly Shards<Room> _rooms = new();
    private readonly Shards<Connection[]> _users = new();
    private readonly ConcurrentDictionary<long, Connection> _connections = new();
    private readonly IBackplane _backplane;
    private readonly IRoomStreams _streams;
    private readonly IPresence _presence;
    private readonly IUserRouting _routing;
    private readonly INameHolds _names;
    private readonly TokenValidator _tokens;
    private readonly TimeProvider _time;
    private readonly ChatServerOptions _options;
    private readonly ILogger<ChatHub> _logger;
    private readonly string _messageIdPrefix = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 5)) + "-";
    private long _lastMessageId;
    private int _legacyConnections;
    private (int Code, string Reason)? _closeAll;

    public ChatHub(IBackplane backplane, IRoomStreams streams, IPresence presence, IUserRouting routing, INameHolds names, TokenValidator tokens, TimeProvider time, ChatServerOptions options,
        ChatMetrics metrics, BackplaneMetrics backplaneMetrics, NodeIdentity node, ILogger<ChatHub> logger)
    {
        _backplane = backplane;
        _streams = streams;
        _presence = presence;
        _routing = routing;
        _names = names;
        _tokens = tokens;
        _time = time;
        _options = options;
        _logger = logger;
        Metrics = metrics;
        BackplaneMetrics = backplaneMetrics;
        NodeId = node.Id;
    }

    /// <summary>This node's name.</summary>
    public string NodeId { get; }

    public ChatMetrics Metrics { get; }

    public BackplaneMetrics BackplaneMetrics { get; }

    public ChatServerOptions Options => _options;

    /// <summary>The clock of every timer and rate limit (the system's, unless the host registered another).</summary>
    public TimeProvider Time => _time;

    /// <summary>Open connections now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Open connections of legacy clients now.</summary>
    public int LegacyConnectionCount => Volatile.Read(ref _legacyConnections);

    public int RoomCount => _rooms.Total();

    public int UserCount => _users.Total();

    /// <summary>Tracks a new connection; it is forgotten in <see cref="DisconnectAsync"/>.</summary>
    public void Register(Connection connection)
    {
        _connections[connection.Id] = connection;
        if (connection.IsLegacy)
        {
            Interlocked.Increment(ref _legacyConnections);
        }

        Metrics.ConnectionOpened(connection.IsLegacy);
        if (_closeAll is { } close)
        {
            connection.Close(close.Code, close.Reason); // accepted while shutting down
        }
    }

    /// <summary>Every open connection (a moment's snapshot).</summary>
    public IEnumerable<Connection> Connections => _connections.Values;

    /// <inheritdoc />
    public IEnumerable<ConnectionFigures> ConnectionFigures => _connections.Values.Select(c => new ConnectionFigures(c.Traffic, c.QueuedBytes));

    /// <summary>Starts closing every connection with <paramref name="code"/> (shutdown: 1001).</summary>
    public void CloseAll(int code, string reason)
    {
        _closeAll = (code, reason);
        foreach (var connection in _connections.Values)
        {
            connection.Close(code, reason);
        }
    }

    /// <summary>Runs one validated command of a version-1 connection.</summary>
    public async ValueTask HandleAsync(Connection connection, ClientCommand command, string? urlRoom)
    {
        try
        {
            if (command.Room is { } room && command.Type != ClientCommandType.Leave && !connection.Permissions.Allows(room))
            {
                Forbidden(connection, room, command.Ref);
                return;
            }

            switch (command.Type)
            {
                case ClientCommandType.Hello:
                    await HelloAsync(connection, command, urlRoom);
                    break;
                case ClientCommandType.Auth:
                    await AuthAsync(connection, command);
                    break;
                case ClientCommandType.Join:
                    await JoinAsync(connection, command);
                    break;
                case ClientCommandType.Leave:
                    await LeaveAsync(connection, command);
                    break;
                case ClientCommandType.Send when command.Room is not null:
                    await SendToRoomAsync(connection, command);
                    break;
                case ClientCommandType.Send:
                    await SendPrivateAsync(connection, command);
                    break;
                case ClientCommandType.History:
                    await HistoryAsync(connection, command);
                    break;
                case ClientCommandType.Who:
                    await WhoAsync(connection, command);
                    break;
                case ClientCommandType.Ping:
                    connection.TryEnqueue(ServerFrames.Pong(command.Ref));
                    break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A backplane failure fails this command only; the client hears it and the connection stays.
            // While the backplane is away that is expected: the backplane logs the outage once.
            if (!_backplane.IsReady)
            {
                Log.CommandUnavailable(_logger, connection.Id, command.Type);
                Metrics.Rejected(ErrorCodes.Unavailable);
                connection.TryEnqueue(ServerFrames.Error(ErrorCodes.Unavailable,
                    "the server cannot reach its backplane right now; try again in a few seconds", command.Ref));
                return;
            }

            Log.CommandFailed(_logger, connection.Id, command.Type, ex);
            connection.TryEnqueue(ServerFrames.Error(ErrorCodes.Internal, "the server could not complete this request", command.Ref));
        }
    }

    /// <summary>Forgets a closed connection: leaves its rooms, drops its user when it was the last.</summary>
    public async ValueTask DisconnectAsync(Connection connection)
    {
        if (!_connections.TryRemove(connection.Id, out _))
        {
            return;
        }

        // Its read and write loops have ended: its traffic moves to the closed connections' total now.
        Metrics.ConnectionClosed(connection.CloseCode, connection.Traffic);

        if (connection.IsLegacy)
        {
            Interlocked.Decrement(ref _legacyConnections);
        }

        foreach (var membership in connection.Rooms.All)
        {
            await ExitAsync(membership);
        }

        connection.Rooms.Clear();
        if (connection.User is { } user && RemoveUserConnection(user, connection))
        {
            await _routing.RemoveUserAsync(user);
            if (connection.NameKey is { } key)
            {
                // The grace period starts now: a reconnect within it keeps the name. Best effort: a
                // disconnect must finish whatever the backplane does, and the hold lapses by itself.
                try
                {
                    await _names.RenewAsync([KeyValuePair.Create(user, key)], _options.Auth.NameGrace);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One line per disconnect at Debug: an outage must not turn disconnects into stack traces.
                    Log.HoldNotRenewed(_logger, user, ex.Message);
                }
            }
        }
    }

    private string NextMessageId() => _messageIdPrefix + Interlocked.Increment(ref _lastMessageId).ToString("x", System.Globalization.CultureInfo.InvariantCulture);

    private bool AddUserConnection(string user, Connection connection)
    {
        var shard = _users.For(user);
        lock (shard.Lock)
        {
            var first = !shard.Items.TryGetValue(user, out var connections);
            shard.Items[user] = [.. connections ?? [], connection];
            return first;
        }
    }

    private bool RemoveUserConnection(string user, Connection connection)
    {
        var shard = _users.For(user);
        lock (shard.Lock)
        {
            if (!shard.Items.TryGetValue(user, out var connections))
            {
                return false;
            }

            var rest = Array.FindAll(connections, c => c != connection);
            if (rest.Length == 0)
            {
                shard.Items.Remove(user);
                return true;
            }

            shard.Items[user] = rest;
            return false;
        }
    }
}
