using System.Text;

namespace ScaleChat.Cli.Chat;

/// <summary>
/// The interactive terminal: the conversation scrolls above an input line that shows the current
/// room and the connection state. Incoming lines erase the input line, print, and redraw it, so
/// typing is never interrupted.
/// </summary>
internal sealed class TerminalView : IChatView
{
    private const string ClearLine = "\r\u001b[2K";
    private readonly Lock _gate = new();
    private readonly StringBuilder _input = new();
    private readonly bool _color = Environment.GetEnvironmentVariable("NO_COLOR") is null;
    private string _room = "global";
    private bool _connected = true;

    public void Show(ChatLine line)
    {
        lock (_gate)
        {
            Console.Out.Write(ClearLine);
            Console.Out.WriteLine(_color ? ChatFormat.Colored(line) : ChatFormat.Plain(line));
            DrawInput();
        }
    }

    public void SetStatus(string room, bool connected)
    {
        lock (_gate)
        {
            (_room, _connected) = (room, connected);
            Console.Out.Write(ClearLine);
            DrawInput();
        }
    }

    /// <summary>Reads one line from the keyboard; null when the user pressed Ctrl+C, or Ctrl+D on an empty line.</summary>
    public string? ReadLine()
    {
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            lock (_gate)
            {
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        var line = _input.ToString();
                        _input.Clear();
                        Console.Out.Write(ClearLine);
                        DrawInput();
                        return line;
                    case ConsoleKey.Backspace when _input.Length > 0:
                        _input.Length--;
                        break;
                    case ConsoleKey.C when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                        return null;
                    case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && _input.Length == 0:
                        return null;
                    case ConsoleKey.U when key.Modifiers.HasFlag(ConsoleModifiers.Control):
                        _input.Clear();
                        break;
                    case ConsoleKey.Escape:
                        _input.Clear();
                        break;
                    default:
                        if (!char.IsControl(key.KeyChar))
                        {
                            _input.Append(key.KeyChar);
                        }

                        break;
                }

                Console.Out.Write(ClearLine);
                DrawInput();
            }
        }
    }

    private void DrawInput()
    {
        var prompt = _connected ? $"#{_room}> " : $"[reconnecting] #{_room}> ";
        var width = Console.IsOutputRedirected ? 80 : Math.Max(20, Console.WindowWidth);

        // Show the end of a long input, so the line never wraps and the redraw stays on one row.
        var room = Math.Max(1, width - prompt.Length - 1);
        var visible = _input.Length <= room ? _input.ToString() : _input.ToString(_input.Length - room, room);
        var styled = !_color ? prompt : _connected ? $"\u001b[1m{prompt}\u001b[0m" : $"\u001b[33;1m{prompt}\u001b[0m";
        Console.Out.Write(styled + visible);
        Console.Out.Flush();
    }
}
