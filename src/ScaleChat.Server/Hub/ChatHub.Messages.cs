using System.Diagnostics;
using ScaleChat.Backplane;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Hub;

internal sealed partial class ChatHub
{
    private async ValueTask SendToRoomAsync(Connection connection, ClientCommand command)
    {
        if (!connection.Rooms.Contains(command.Room!))
        {
            NotJoined(connection, command);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var accepted = (await _streams.PublishAsync(NewEnvelope(connection, command.Room, null, connection.User!, command.Text!, command.Ref))).Message;
        BackplaneMetrics.Published(started, isPrivate: false);
        Metrics.MessageAccepted(legacy: false, isPrivate: false);
        connection.TryEnqueue(ServerFrames.Ack(command.Ref, accepted.Id, accepted.Seq));
    }

    private async ValueTask SendPrivateAsync(Connection connection, ClientCommand command)
    {
        var to = command.To!;
        if (!await _routing.IsUserOnlineAsync(to))
        {
            Metrics.Rejected(ErrorCodes.NoSuchUser);
            connection.TryEnqueue(ServerFrames.Error(ErrorCodes.NoSuchUser, $"'{to}' is not online", command.Ref));
            return;
        }

        var envelope = NewEnvelope(connection, null, to, connection.User!, command.Text!, command.Ref);
        var started = Stopwatch.GetTimestamp();
        await _routing.PublishPrivateAsync(envelope);
        BackplaneMetrics.Published(started, isPrivate: true);
        Metrics.MessageAccepted(legacy: false, isPrivate: true);
        connection.TryEnqueue(ServerFrames.Ack(command.Ref, envelope.Message.Id, 0));
    }

    /// <summary>Publishes a legacy client's frame to the room its URL named.</summary>
    public async ValueTask SendLegacyAsync(Connection connection, LegacyFrame frame)
    {
        var room = connection.LegacyRoom!;
        var envelope = NewEnvelope(connection, room, null, frame.Sender, frame.Text, default);
        envelope = envelope with { Message = envelope.Message with { Legacy = true, Echo = frame.Echo } };
        var started = Stopwatch.GetTimestamp();
        await _streams.PublishAsync(envelope);
        BackplaneMetrics.Published(started, isPrivate: false);
        Metrics.MessageAccepted(legacy: true, isPrivate: false);
    }

    private Envelope NewEnvelope(Connection connection, string? room, string? to, string from, string text, MessageRef @ref)
    {
        var now = _time.GetUtcNow();
        return new Envelope
        {
            Message = new ChatMessage
            {
                Room = room,
                To = to,
                From = from,
                Text = text,
                Id = NextMessageId(),
                Timestamp = now.ToUnixTimeMilliseconds(),
            },
            OriginNode = NodeId,
            OriginConnection = connection.Id,
            Ref = @ref,
            AcceptedAt = Envelope.UnixMicroseconds(now),
            ReceivedTimestamp = connection.ReceivedTimestamp,
        };
    }

    /// <summary>
    /// The fan-out: encode once per shape (version 1, the sender's own copy with its ref, legacy)
    /// and queue the same bytes to every local member. Never waits on a socket.
    /// </summary>
    public void OnRoomMessage(Envelope envelope)
    {
        var started = Stopwatch.GetTimestamp();
        var message = envelope.Message;
        var room = _rooms.Get(message.Room!);
        if (room is null)
        {
            return;
        }

        var originHere = envelope.OriginNode == NodeId;
        BackplaneMetrics.Received(message, remote: !originHere);
        byte[]? shared = null, own = null, legacy = null;
        var members = room.Members;
        var legacyMembers = 0;
        foreach (var member in members)
        {
            var connection = member.Connection;
            byte[] frame;
            if (connection.IsLegacy)
            {
                frame = legacy ??= ServerFrames.Legacy(message);
                legacyMembers++;
            }
            else
            {
                frame = originHere && connection.Id == envelope.OriginConnection ? own ??= ServerFrames.Message(message, envelope.Ref)
                    : shared ??= ServerFrames.Message(message);
            }

            member.Deliver(message.Seq, frame);
        }

        Metrics.Delivered(members.Length - legacyMembers, isPrivate: false, legacyMembers);
        Metrics.FanOut(started, envelope);
    }

    /// <summary>Delivers a private message to every local connection of its addressee and of its sender.</summary>
    public void OnPrivateMessage(Envelope envelope)
    {
        var message = envelope.Message;
        var originHere = envelope.OriginNode == NodeId;
        BackplaneMetrics.Received(message, remote: !originHere);
        byte[]? shared = null, own = null;
        var recipients = _users.Get(message.To!) ?? [];
        if (message.From != message.To && _users.Get(message.From) is { } senders)
        {
            recipients = [.. recipients, .. senders];
        }

        foreach (var connection in recipients)
        {
            connection.TryEnqueue(originHere && connection.Id == envelope.OriginConnection
                ? own ??= ServerFrames.Message(message, envelope.Ref)
                : shared ??= ServerFrames.Message(message));
        }

        Metrics.Delivered(recipients.Length, isPrivate: true);
    }

    /// <summary>Tells the room's local members who asked for presence, except the connection that caused it.</summary>
    public void OnPresence(string room, string user, bool joined, string originNode, long originConnection)
    {
        BackplaneMetrics.PresenceReceived();
        var local = _rooms.Get(room);
        if (local is null)
        {
            return;
        }

        var originHere = originNode == NodeId;
        byte[]? frame = null;
        foreach (var member in local.Watchers)
        {
            if (!(originHere && member.Connection.Id == originConnection))
            {
                member.Connection.TryEnqueue(frame ??= ServerFrames.PresenceEvent(room, user, joined));
            }
        }
    }

    /// <summary>
    /// The room's history is gone: close its local members with 1012 so that they reconnect and join
    /// again, which tells them (<c>recovered: false</c>) rather than leaving them with seqs that repeat.
    /// </summary>
    public void OnRoomReset(string room)
    {
        foreach (var member in _rooms.Get(room)?.Members ?? MemberList.Empty)
        {
            member.Connection.Close(CloseCodes.ServiceRestart, $"the history of room '{room}' was lost; join again");
        }
    }
}
