using ScaleChat.Client;

namespace ScaleChat.Cli.Chat;

/// <summary>The client's events as lines of the conversation.</summary>
internal sealed partial class ChatSession
{
    private void OnMessage(ReceivedMessage message) => _view.Show(ToLine(message));

    private static ChatLine ToLine(ReceivedMessage m) => m.IsPrivate
        ? new ChatLine(LineKind.Private, m.Text, m.Timestamp, From: m.From, To: m.To, Legacy: m.Legacy)
        : new ChatLine(LineKind.Message, m.Text, m.Timestamp, m.Room, m.From, Legacy: m.Legacy);

    // Comings and goings of the rooms the user is talking in or chose, not of #global joined by the handshake.
    private void OnPresence(PresenceChange p)
    {
        if (Matters(p.Room))
        {
            _view.Show(ChatLine.Info($"{p.User} {(p.Joined ? "joined" : "left")} #{p.Room}"));
        }
    }

    private bool Matters(string room) => _chosen.Contains(room) || room == _room;

    private void OnStateChanged(ConnectionStateChanged change)
    {
        if (change.State is ConnectionState.Connected or ConnectionState.Reconnecting)
        {
            _view.SetStatus(_room, change.State == ConnectionState.Connected);
        }

        switch (change.State)
        {
            case ConnectionState.Reconnecting when change.Attempt == 1:
                _view.Show(ChatLine.Warning($"connection lost ({change.Error?.Message}); reconnecting"));
                break;
            case ConnectionState.Reconnecting:
                _view.Show(ChatLine.Warning($"reconnecting in {change.Delay.TotalSeconds:0.0} s (attempt {change.Attempt}): {change.Error?.Message}"));
                break;
            case ConnectionState.Connected when _welcomed:
                _view.Show(ChatLine.Info($"reconnected{(_client.Node is null ? "" : $" (node {_client.Node})")}"));
                break;
            case ConnectionState.Connected:
                _welcomed = true;
                break;
            case ConnectionState.Closed when change.Error is not null:
                _view.Show(ChatLine.Error($"disconnected: {change.Error.Message}"));
                Closed = true;
                break;
        }
    }

    private bool _welcomed;

    /// <summary>The client closed for good after a failure: the session cannot go on.</summary>
    public bool Closed { get; private set; }

    private void OnRoomResumed(RoomResumed resumed)
    {
        if (resumed.Recovered)
        {
            var missed = resumed.Position.Seq - resumed.LastSeen.Seq;
            if (missed > 0)
            {
                _view.Show(ChatLine.Info($"#{resumed.Room}: catching up on {missed} message{(missed == 1 ? "" : "s")} sent while disconnected"));
            }
        }
        else if (Matters(resumed.Room))
        {
            _view.Show(ChatLine.Warning($"#{resumed.Room}: messages sent while you were away may be missing: the server's history no longer holds them (it restarted, or too much was said)"));
        }
    }
}
