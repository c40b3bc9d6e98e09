using System.Text;
using ScaleChat.Client;
using ScaleChat.Protocol;

namespace ScaleChat.Cli.Chat;

/// <summary>
/// The conversation: turns input lines into requests and the client's events into lines. Shared by
/// the terminal and line modes, so both behave the same.
/// </summary>
internal sealed partial class ChatSession
{
    public const string Help = """
        commands:
          TEXT                 say TEXT in the current room (start with // to say something starting with /)
          /join ROOM           join ROOM and talk there
          /leave [ROOM]        leave ROOM (default: the current room)
          /msg USER TEXT       send TEXT to USER only
          /who [ROOM]          who is in ROOM (default: the current room)
          /history [ROOM] [N]  the last N messages of ROOM (default: the current room, 20)
          /rooms               the rooms you are in
          /help                this help
          /quit                leave the chat
        """;

    private readonly ChatClient _client;
    private readonly IChatView _view;
    private string _room = ProtocolConstants.GlobalRoom;

    // The rooms the user asked for (--room, /join): the rooms hello joins by itself are not news.
    private readonly HashSet<string> _chosen = new(StringComparer.Ordinal);

    public ChatSession(ChatClient client, IChatView view)
    {
        _client = client;
        _view = view;
        client.MessageReceived += OnMessage;
        client.PresenceChanged += OnPresence;
        client.ErrorReceived += e => view.Show(ChatLine.Error($"{e.Code}: {e.Message}"));
        client.StateChanged += OnStateChanged;
        client.RoomResumed += OnRoomResumed;
    }

    /// <summary>The room plain text goes to.</summary>
    public string CurrentRoom => _room;

    /// <summary>After connecting: joins the room asked for, or talks in the room of the URL, or in global.</summary>
    public async Task StartAsync(string? room)
    {
        _view.Show(ChatLine.Info($"connected to {_client.Options.Url} as {_client.User}{(_client.Node is null ? "" : $" (node {_client.Node})")}; /help for commands"));
        if (room is not null)
        {
            await JoinAsync(room).ConfigureAwait(false);
        }
        else
        {
            _room = _client.Rooms.FirstOrDefault(r => r != ProtocolConstants.GlobalRoom) ?? ProtocolConstants.GlobalRoom;
            _view.SetStatus(_room, connected: true);
        }
    }

    /// <summary>Handles one input line. Returns false when the user asked to quit.</summary>
    public async Task<bool> HandleAsync(string line)
    {
        line = line.TrimEnd('\r', '\n');
        if (string.IsNullOrWhiteSpace(line))
        {
            return true;
        }

        try
        {
            if (line.StartsWith("//", StringComparison.Ordinal))
            {
                await SayAsync(line[1..]).ConfigureAwait(false);
                return true;
            }

            if (line[0] == '/')
            {
                return await CommandAsync(line).ConfigureAwait(false);
            }

            await SayAsync(line).ConfigureAwait(false);
        }
        catch (ChatServerException ex)
        {
            _view.Show(ChatLine.Error($"{ex.Code}: {ex.ServerMessage}"));
        }
        catch (ChatConnectionException ex)
        {
            _view.Show(ChatLine.Error(ex.Message));
        }

        return true;
    }

    private async Task<bool> CommandAsync(string line)
    {
        var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var (command, first, rest) = (parts[0].ToLowerInvariant(), parts.ElementAtOrDefault(1), parts.ElementAtOrDefault(2));
        switch (command)
        {
            case "/quit" or "/exit":
                return false;
            case "/help":
                foreach (var help in Help.Split('\n'))
                {
                    _view.Show(ChatLine.Info(help.TrimEnd()));
                }

                break;
            case "/join" when CheckRoom(first, "/join ROOM"):
                await JoinAsync(first!).ConfigureAwait(false);
                break;
            case "/leave" when CheckRoom(first ?? _room, "/leave [ROOM]"):
                await LeaveAsync(first ?? _room).ConfigureAwait(false);
                break;
            case "/msg" when CheckUser(first, rest):
                await SayAsync(rest!, to: first).ConfigureAwait(false);
                break;
            case "/who" when CheckRoom(first ?? _room, "/who [ROOM]"):
                var members = await _client.WhoAsync(first ?? _room).ConfigureAwait(false);
                _view.Show(ChatLine.Info($"in #{first ?? _room}: {string.Join(", ", members.Order(StringComparer.Ordinal))}"));
                break;
            case "/history":
                await HistoryAsync(first, rest).ConfigureAwait(false);
                break;
            case "/rooms":
                _view.Show(ChatLine.Info($"rooms: {string.Join(", ", _client.Rooms.Order(StringComparer.Ordinal).Select(r => r == _room ? $"#{r} (current)" : $"#{r}"))}"));
                break;
            case "/join" or "/leave" or "/msg" or "/who":
                break; // the check above already said what was wrong
            default:
                _view.Show(ChatLine.Error($"unknown command {command}; /help lists the commands"));
                break;
        }

        return true;
    }

    private async Task SayAsync(string text, string? to = null)
    {
        var bytes = Encoding.UTF8.GetByteCount(text);
        if (bytes > _client.Limits.MaxMessageBytes)
        {
            _view.Show(ChatLine.Error($"not sent: the text is {bytes} bytes and the server accepts at most {_client.Limits.MaxMessageBytes}"));
            return;
        }

        if (_client.State != ConnectionState.Connected)
        {
            // The send waits for the reconnect; say so, or the line seems lost.
            _view.Show(ChatLine.Warning($"not connected: \"{Preview(text)}\" is queued and will be sent when the connection is back"));
        }

        if (to is null)
        {
            await _client.SendAsync(_room, text).ConfigureAwait(false);
        }
        else
        {
            await _client.SendToUserAsync(to, text).ConfigureAwait(false);
        }
    }

    private static string Preview(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");

    private async Task JoinAsync(string room)
    {
        await _client.JoinAsync(room).ConfigureAwait(false);
        _chosen.Add(room);
        _room = room;
        _view.SetStatus(room, _client.State == ConnectionState.Connected);
        _view.Show(ChatLine.Info($"joined #{room}; you are talking in #{room}"));
    }

    private async Task LeaveAsync(string room)
    {
        await _client.LeaveAsync(room).ConfigureAwait(false);
        _chosen.Remove(room);
        _view.Show(ChatLine.Info($"left #{room}"));
        if (room == _room)
        {
            _room = _client.Rooms.FirstOrDefault() ?? ProtocolConstants.GlobalRoom;
            _view.SetStatus(_room, _client.State == ConnectionState.Connected);
            _view.Show(_client.Rooms.Count > 0 ? ChatLine.Info($"you are talking in #{_room}") : ChatLine.Warning("you are in no room; /join one"));
        }
    }

    private async Task HistoryAsync(string? first, string? rest)
    {
        // "/history", "/history ROOM", "/history N" and "/history ROOM N".
        var room = _room;
        var countText = rest;
        if (first is not null && !int.TryParse(first, out _))
        {
            room = first;
        }
        else
        {
            countText = first;
        }

        var count = 20;
        if ((countText is not null && (!int.TryParse(countText, out count) || count is < 1 or > 500)) || !CheckRoom(room, "/history [ROOM] [N]"))
        {
            _view.Show(ChatLine.Error("usage: /history [ROOM] [N], N from 1 to 500"));
            return;
        }

        var messages = await _client.HistoryAsync(room, limit: count).ConfigureAwait(false);
        _view.Show(ChatLine.Info($"history of #{room}: {messages.Count} message{(messages.Count == 1 ? "" : "s")}"));
        foreach (var message in messages)
        {
            _view.Show(ToLine(message));
        }
    }

    private bool CheckRoom(string? room, string usage)
    {
        if (room is null)
        {
            _view.Show(ChatLine.Error($"usage: {usage}"));
            return false;
        }

        if (!Names.IsValid(room))
        {
            _view.Show(ChatLine.Error($"'{room}' is not a room name: use 1-64 ASCII letters, digits, '-', '_' or '.'"));
            return false;
        }

        return true;
    }

    private bool CheckUser(string? user, string? text)
    {
        if (user is null || string.IsNullOrWhiteSpace(text))
        {
            _view.Show(ChatLine.Error("usage: /msg USER TEXT"));
            return false;
        }

        if (!Names.IsValid(user))
        {
            _view.Show(ChatLine.Error($"'{user}' is not a user name: use 1-64 ASCII letters, digits, '-', '_' or '.'"));
            return false;
        }

        return true;
    }
}
