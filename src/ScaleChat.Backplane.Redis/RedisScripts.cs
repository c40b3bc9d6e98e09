namespace ScaleChat.Backplane.Redis;

/// <summary>
/// The Lua scripts: each reads and writes in one atomic step, so that two nodes never assign the
/// same seq, a presence count never goes wrong halfway, and a dead node is swept once. Key names
/// come in from <see cref="RedisNames"/> (the sweep, which finds a dead node's rooms and users as it
/// goes, gets the heads and tails of their names), and what they publish is <see cref="RedisWire"/>'s.
/// </summary>
internal static class RedisScripts
{
    // KEYS: epoch, seq, history. ARGV[1]: the epoch to create when the room has none. A missing
    // epoch means the room is new or Redis lost it: either way, start afresh.
    private const string EnsureEpoch = """
        local epoch = redis.call('GET', KEYS[1])
        if not epoch then
          epoch = ARGV[1]
          redis.call('SET', KEYS[1], epoch)
          redis.call('DEL', KEYS[2], KEYS[3])
        end

        """;

    /// <summary>ARGV: new epoch, payload, history size, room channel. Returns {seq, epoch}.</summary>
    public const string Publish = EnsureEpoch + $$"""
        local seq = redis.call('INCR', KEYS[2])
        local size = tonumber(ARGV[3])
        if size > 0 then
          redis.call('XADD', KEYS[3], 'MAXLEN', size, seq .. '-0', '{{RedisWire.HistoryField}}', ARGV[2])
        end
        redis.call('PUBLISH', ARGV[4], '{{RedisWire.MessageKind}}\n' .. seq .. '\n' .. epoch .. '\n' .. ARGV[2])
        return {seq, epoch}
        """;

    /// <summary>ARGV: new epoch. Returns {seq, epoch}.</summary>
    public const string Position = EnsureEpoch + """
        return {tonumber(redis.call('GET', KEYS[2]) or '0'), epoch}
        """;

    /// <summary>
    /// ARGV: new epoch, the client's epoch, after. Returns {seq, epoch, found, payload...}: found is 1
    /// with every payload after <c>after</c> in order, or 0 when they are not all there.
    /// </summary>
    public const string Recover = EnsureEpoch + """
        local last = tonumber(redis.call('GET', KEYS[2]) or '0')
        local after = tonumber(ARGV[3])
        if epoch ~= ARGV[2] or after > last then
          return {last, epoch, 0}
        end
        local result = {last, epoch, 1}
        if after == last then
          return result
        end
        local entries = redis.call('XRANGE', KEYS[3], (after + 1) .. '-0', '+')
        if #entries ~= last - after or entries[1][1] ~= (after + 1) .. '-0' then
          return {last, epoch, 0}
        end
        for i, entry in ipairs(entries) do
          result[i + 3] = entry[2][2]
        end
        return result
        """;

    /// <summary>KEYS: node presence, room presence. ARGV: entry, user, room channel, node, connection.</summary>
    public const string AddPresence = $$"""
        if redis.call('SADD', KEYS[1], ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then
          redis.call('PUBLISH', ARGV[3], '{{RedisWire.PresenceKind}}\n{{RedisWire.Joined}}\n' .. ARGV[2] .. '\n' .. ARGV[4] .. '\n' .. ARGV[5])
        end
        """;

    /// <summary>Same keys and arguments as <see cref="AddPresence"/>.</summary>
    public const string RemovePresence = $$"""
        if redis.call('SREM', KEYS[1], ARGV[1]) == 1 and redis.call('HINCRBY', KEYS[2], ARGV[2], -1) <= 0 then
          redis.call('HDEL', KEYS[2], ARGV[2])
          redis.call('PUBLISH', ARGV[3], '{{RedisWire.PresenceKind}}\n{{RedisWire.Left}}\n' .. ARGV[2] .. '\n' .. ARGV[4] .. '\n' .. ARGV[5])
        end
        """;

    /// <summary>KEYS: the addressee's nodes, the sender's nodes. ARGV: node channel prefix, payload.</summary>
    public const string PublishPrivate = """
        local nodes = redis.call('SUNION', KEYS[1], KEYS[2])
        for _, node in ipairs(nodes) do
          redis.call('PUBLISH', ARGV[1] .. node, ARGV[2])
        end
        return #nodes
        """;

    /// <summary>KEYS: nodes, this node's alive key. ARGV: node, time to live in ms. Returns 1 when the node was not registered.</summary>
    public const string Heartbeat = """
        local fresh = redis.call('SADD', KEYS[1], ARGV[1])
        redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
        return fresh
        """;

    /// <summary>
    /// KEYS: nodes, the node's alive key, its presence, its users. ARGV: node, then the head and tail of
    /// the names (<see cref="RedisNames"/>) of a room's presence hash, a room's channel and a user's
    /// nodes. Forgets a node whose heartbeat expired: leave events for its users, its users offline.
    /// </summary>
    public const string Sweep = $$"""
        if redis.call('EXISTS', KEYS[2]) == 1 then
          return 0
        end
        for _, entry in ipairs(redis.call('SMEMBERS', KEYS[3])) do
          local cut = string.find(entry, '\n', 1, true)
          local room = string.sub(entry, 1, cut - 1)
          local user = string.sub(entry, cut + 1)
          local presence = ARGV[2] .. room .. ARGV[3]
          if redis.call('HINCRBY', presence, user, -1) <= 0 then
            redis.call('HDEL', presence, user)
            redis.call('PUBLISH', ARGV[4] .. room .. ARGV[5], '{{RedisWire.PresenceKind}}\n{{RedisWire.Left}}\n' .. user .. '\n' .. ARGV[1] .. '\n0')
          end
        end
        for _, user in ipairs(redis.call('SMEMBERS', KEYS[4])) do
          redis.call('SREM', ARGV[6] .. user .. ARGV[7], ARGV[1])
        end
        redis.call('DEL', KEYS[3], KEYS[4])
        redis.call('SREM', KEYS[1], ARGV[1])
        return 1
        """;

    /// <summary>
    /// KEYS: the name's hold. ARGV: presented key (or ''), new key, hold in ms. Returns the hold's key
    /// when the caller may have the name (and extends it), or false when another key holds it.
    /// </summary>
    public const string ClaimName = """
        local held = redis.call('GET', KEYS[1])
        if not held then
          redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
          return ARGV[2]
        end
        if held ~= ARGV[1] then
          return false
        end
        if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
        end
        return held
        """;

    /// <summary>
    /// KEYS: the name's hold. ARGV: this node's key for it, hold in ms. Extends the hold, or takes it
    /// again when it lapsed; a hold that another key took meanwhile is left alone.
    /// </summary>
    public const string RenewName = """
        local held = redis.call('GET', KEYS[1])
        if not held then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        elseif held == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
        end
        return 1
        """;
}
