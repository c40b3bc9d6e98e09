using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hub;

internal sealed partial class ChatHub
{
    private async ValueTask JoinAsync(Connection connection, ClientCommand command)
    {
        var room = command.Room!;
        if (connection.Rooms.Contains(room))
        {
            // Already in: answer with where the room stands; nothing is replayed twice.
            var current = await _streams.GetPositionAsync(room);
            connection.TryEnqueue(ServerFrames.Joined(room, current, command.HasAfter ? false : null));
            return;
        }

        if (connection.Rooms.Count >= _options.Limits.MaxRooms)
        {
            Metrics.Rejected(ErrorCodes.TooManyRooms);
            connection.TryEnqueue(ServerFrames.Error(ErrorCodes.TooManyRooms, $"a connection may be in at most {_options.Limits.MaxRooms} rooms", command.Ref));
            return;
        }

        var membership = await EnterAsync(connection, room, command.Presence);
        if (command.HasAfter && await _streams.RecoverAsync(room, command.AfterSeq, command.AfterEpoch!) is { } recovered
            && EncodeReplay(recovered.Messages) is { } replay)
        {
            connection.TryEnqueue(ServerFrames.Joined(room, recovered.Position, recovered: true));
            foreach (var frame in replay)
            {
                connection.TryEnqueue(frame);
            }

            membership.GoLive(recovered.Position.Seq);
            return;
        }

        var position = await _streams.GetPositionAsync(room);
        connection.TryEnqueue(ServerFrames.Joined(room, position, command.HasAfter ? false : null));
        membership.GoLive(position.Seq);
    }

    /// <summary>
    /// The frames of a resume's replay, or null when they would take more than half the send budget:
    /// then the join answers <c>recovered: false</c> and the client pages through <c>history</c>.
    /// </summary>
    private byte[][]? EncodeReplay(IReadOnlyList<ChatMessage> messages)
    {
        var frames = new byte[messages.Count][];
        long bytes = 0;
        for (var i = 0; i < frames.Length; i++)
        {
            frames[i] = ServerFrames.Message(messages[i]);
            bytes += frames[i].Length;
            if (bytes > _options.SendQueueBytes / 2)
            {
                return null;
            }
        }

        return frames;
    }

    private async ValueTask LeaveAsync(Connection connection, ClientCommand command)
    {
        if (!connection.Rooms.Remove(command.Room!, out var membership))
        {
            NotJoined(connection, command);
            return;
        }

        await ExitAsync(membership);
        connection.TryEnqueue(ServerFrames.Left(command.Room!));
    }

    private async ValueTask HistoryAsync(Connection connection, ClientCommand command)
    {
        if (!connection.Rooms.Contains(command.Room!))
        {
            NotJoined(connection, command);
            return;
        }

        var messages = await _streams.GetHistoryAsync(command.Room!, command.Before, command.Limit);
        connection.TryEnqueue(ServerFrames.History(command.Room!, messages, _options.MaxAnswerBytes));
    }

    private async ValueTask WhoAsync(Connection connection, ClientCommand command)
    {
        if (!connection.Rooms.Contains(command.Room!))
        {
            NotJoined(connection, command);
            return;
        }

        var members = await _presence.GetMembersAsync(command.Room!);
        connection.TryEnqueue(ServerFrames.Members(command.Room!, members, _options.MaxAnswerBytes));
    }

    /// <summary>Puts a legacy connection in the room its URL named.</summary>
    public async ValueTask JoinLegacyAsync(Connection connection, string room)
    {
        connection.LegacyRoom = room;
        var membership = await EnterAsync(connection, room, presence: false);
        membership.GoLive((await _streams.GetPositionAsync(room)).Seq);
    }

    /// <summary>
    /// Adds the connection to the room's local members, held back (not live) until the caller has
    /// queued its answer; subscribes the node on the room's first local member and counts presence.
    /// </summary>
    private async ValueTask<Membership> EnterAsync(Connection connection, string name, bool presence)
    {
        var membership = new Membership(connection, name, presence);
        connection.Rooms.Set(membership);
        TaskCompletionSource? subscribing = null;
        Room room;
        bool userFirst;
        var shard = _rooms.For(name);
        lock (shard.Lock)
        {
            if (!shard.Items.TryGetValue(name, out room!))
            {
                room = new Room(name);
                subscribing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                room.Subscribed = subscribing.Task;
                shard.Items[name] = room;
            }

            userFirst = room.Add(membership);
        }

        try
        {
            if (subscribing is not null)
            {
                try
                {
                    await _streams.SubscribeRoomAsync(name);
                    subscribing.SetResult();
                }
                catch (Exception ex)
                {
                    subscribing.SetException(ex);
                    throw;
                }
            }

            await room.Subscribed;
            if (userFirst)
            {
                await _presence.AddPresenceAsync(name, connection.User!, connection.Id);
            }
        }
        catch
        {
            connection.Rooms.Remove(name, out _);
            await ExitAsync(membership);
            throw;
        }

        return membership;
    }

    /// <summary>Removes a membership; unsubscribes the node when it was the room's last local member.</summary>
    private async ValueTask ExitAsync(Membership membership)
    {
        bool userLast, roomEmpty = false;
        var shard = _rooms.For(membership.Room);
        lock (shard.Lock)
        {
            if (!shard.Items.TryGetValue(membership.Room, out var room))
            {
                return;
            }

            userLast = room.Remove(membership);
            if (room.Members.Length == 0)
            {
                shard.Items.Remove(membership.Room);
                roomEmpty = true;
            }
        }

        if (userLast)
        {
            await _presence.RemovePresenceAsync(membership.Room, membership.Connection.User!, membership.Connection.Id);
        }

        if (roomEmpty)
        {
            await _streams.UnsubscribeRoomAsync(membership.Room);
        }
    }

    private void NotJoined(Connection connection, ClientCommand command)
    {
        Metrics.Rejected(ErrorCodes.NotJoined);
        connection.TryEnqueue(ServerFrames.Error(ErrorCodes.NotJoined, $"not in room '{command.Room}'", command.Ref));
    }
}
