using System.Diagnostics;
using ScaleChat.Client.Wire;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Client;

/// <summary>What the server sends, handled on the receive loop in the order it arrives.</summary>
public sealed partial class ChatClient
{
    /// <summary>The code of a <see cref="ServerError"/> the client raises for an object from the server it cannot read.</summary>
    public const string MalformedErrorCode = "malformed";

    /// <summary>Handles a received frame as the receive loop does; benchmarks drive the client through here.</summary>
    internal void HandleFrame(ReadOnlySpan<byte> frame)
    {
        while (ObjectSocket.TryTakeNext(ref frame, out var json))
        {
            OnObject(null!, json);
        }
    }

    private void OnObject(WebSocketConnection connection, ReadOnlySpan<byte> json)
    {
        if (!ServerFrameReader.TryParse(json, out var o))
        {
            Raise(new ServerError(MalformedErrorCode, "the server sent an object the client cannot read"));
            return;
        }

        switch (o.Type)
        {
            case ServerObjectType.Message:
                OnMessage(o.ToMessage());
                break;
            case ServerObjectType.Ack:
                CompleteByRef(in o, static (in ServerObject ack, PendingRequest _) => new SendResult(ack.Id!, ack.Seq));
                break;
            case ServerObjectType.Pong:
                CompleteByRef(in o, static (in ServerObject _, PendingRequest ping) => Stopwatch.GetElapsedTime(ping.StartedTimestamp));
                break;
            case ServerObjectType.Presence when o.Members is null:
                Raise(new PresenceChange(o.Room!, o.User!, o.PresenceJoined!.Value));
                break;
            case ServerObjectType.Presence:
                CompleteByRoom(RequestKind.Who, o.Room!, o.Members);
                break;
            case ServerObjectType.Joined:
                OnJoined(in o);
                break;
            case ServerObjectType.Left:
                OnLeft(o.Room!);
                break;
            case ServerObjectType.History:
                OnHistory(o.Room!, o.Messages ?? []);
                break;
            case ServerObjectType.Error:
                OnError(in o);
                break;
            case ServerObjectType.Welcome:
                OnWelcome(connection, in o);
                break;
            case ServerObjectType.Authed:
                OnAuthed(o.Exp, TakeInFlight(in o));
                break;
            default:
                // An object type from a newer server: nothing this client knows to do with it.
                break;
        }
    }

    private void OnMessage(ReceivedMessage message)
    {
        bool deliver;
        lock (_gate)
        {
            deliver = _rooms.Accept(message);
        }

        if (deliver)
        {
            Raise(message);
        }
    }

    private delegate object AnswerOf(in ServerObject answer, PendingRequest request);

    private void CompleteByRef(in ServerObject o, AnswerOf answer)
    {
        var request = TakeInFlight(in o);
        request?.TrySetResult(answer(in o, request));
    }

    /// <summary>The request an answer with a <c>ref</c> belongs to, taken off the in-flight table.</summary>
    private PendingRequest? TakeInFlight(in ServerObject o)
    {
        PendingRequest? request = null;
        if (o.Ref.IsNumber)
        {
            lock (_gate)
            {
                _inFlight.Remove(o.Ref.Number, out request);
            }
        }

        return request;
    }

    private void CompleteByRoom(RequestKind kind, string room, object? result)
    {
        PendingRequest? request;
        lock (_gate)
        {
            request = TakeRoomRequest(kind, room);
        }

        request?.TrySetResult(result);
    }

    private void OnJoined(in ServerObject o)
    {
        var position = new RoomPosition(o.Seq, o.Epoch!);
        RoomResumed? resumed = null;
        PendingRequest? request;
        lock (_gate)
        {
            request = TakeRoomRequest(RequestKind.Join, o.Room!);
            if (request is { Internal: true })
            {
                resumed = _rooms.OnResumeJoined(o.Room!, position, o.Recovered ?? false);
            }
            else
            {
                _rooms.OnJoined(o.Room!, position);
            }
        }

        if (resumed is not null)
        {
            Raise(resumed);
        }

        request?.TrySetResult(position);
    }

    private void OnLeft(string room)
    {
        PendingRequest? request;
        lock (_gate)
        {
            _rooms.Remove(room);
            request = TakeRoomRequest(RequestKind.Leave, room);
        }

        request?.TrySetResult(null);
    }

    private void OnHistory(string room, List<ReceivedMessage> messages)
    {
        PendingRequest? request;
        List<ReceivedMessage>? deliver = null;
        RoomResumed? resumed = null;
        lock (_gate)
        {
            request = TakeRoomRequest(RequestKind.History, room);
            if (request is { Internal: true })
            {
                (deliver, resumed) = _rooms.OnFilled(room, messages);
            }
        }

        if (request is { Internal: false })
        {
            request.TrySetResult(messages);
            return;
        }

        RaiseResumed(deliver, resumed);
    }

    private void RaiseResumed(List<ReceivedMessage>? deliver, RoomResumed? resumed)
    {
        // The resume event first: a handler may want to know before the replayed messages arrive.
        if (resumed is not null)
        {
            Raise(resumed);
        }

        foreach (var message in deliver ?? [])
        {
            Raise(message);
        }
    }

    private void OnError(in ServerObject o)
    {
        var error = new ChatServerException(o.Code!, o.ErrorMessage ?? o.Code!);
        PendingRequest? request = null;
        TaskCompletionSource? handshake = null;
        List<ReceivedMessage>? deliver = null;
        RoomResumed? resumed = null;
        lock (_gate)
        {
            if (o.Ref.IsNumber)
            {
                request = TakeByRef(o.Ref.Number);
            }

            if (request is null && _state != ConnectionState.Connected)
            {
                handshake = _handshake;
            }
            else if (request is { Internal: true, Kind: RequestKind.History })
            {
                (deliver, resumed) = _rooms.OnFilled(request.Room!, null);
            }
            else if (request is { Internal: true, Kind: RequestKind.Join })
            {
                // The room cannot be rejoined (too many rooms, forbidden): it is gone.
                var last = _rooms.PositionOf(request.Room!);
                _rooms.Remove(request.Room!);
                resumed = last is { } seen ? new RoomResumed { Room = request.Room!, Recovered = false, LastSeen = seen, Position = seen } : null;
            }
        }

        if (handshake is not null)
        {
            // An error before welcome answers the hello: the server refused this client.
            handshake.TrySetException(error);
            return;
        }

        if (request is { Internal: false })
        {
            request.TrySetException(error);
            return;
        }

        if (request is { Internal: true })
        {
            Raise(new ServerError(error.Code, $"could not resume room '{request.Room}': {error.ServerMessage}"));
            RaiseResumed(deliver, resumed);
            return;
        }

        Raise(new ServerError(error.Code, error.ServerMessage));
    }

    private void OnWelcome(WebSocketConnection connection, in ServerObject o)
    {
        List<RoomResumed> resumed = [];
        TaskCompletionSource? handshake;
        lock (_gate)
        {
            if (_connection != connection)
            {
                return;
            }

            _user = o.User;
            _nameKey = o.NameKey ?? _nameKey;
            _session = o.Session;
            _node = o.Node;
            _limits = o.Limits ?? _limits;
            connection.MaxFrameBytes = _limits.MaxFrameBytes;
            foreach (var action in _rooms.OnWelcome(o.Rooms ?? [], _welcomedBefore))
            {
                if (action.Event is not null)
                {
                    resumed.Add(action.Event);
                }
                else
                {
                    Write(connection, ResumeRequest(action));
                }
            }

            // What waited for the connection goes out after the resume joins, so that a send to a
            // room reaches the server after the room was joined again.
            while (_waiting.TryDequeue(out var waiting))
            {
                if (!waiting.Task.IsCompleted)
                {
                    Write(connection, waiting);
                }
            }

            _welcomedBefore = true;
            _state = ConnectionState.Connected;
            handshake = _handshake;
            _handshake = null;
        }

        Raise(new ConnectionStateChanged { State = ConnectionState.Connected });
        resumed.ForEach(Raise);
        handshake?.TrySetResult();
    }

    private PendingRequest ResumeRequest(ResumeAction action)
    {
        var @ref = NextRef();
        return action.Step switch
        {
            ResumeStep.Join => new PendingRequest(RequestKind.Join, action.Room, @ref, ClientFrames.Join(action.Room, action.After, _options.Presence, @ref)) { Internal = true },
            ResumeStep.Fill => new PendingRequest(RequestKind.History, action.Room, @ref, ClientFrames.History(action.Room, action.Before, action.Limit, @ref)) { Internal = true },
            _ => new PendingRequest(RequestKind.Leave, action.Room, @ref, ClientFrames.Leave(action.Room, @ref)) { Internal = true },
        };
    }
}
