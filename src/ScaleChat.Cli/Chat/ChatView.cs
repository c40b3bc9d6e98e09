using System.Globalization;

namespace ScaleChat.Cli.Chat;

/// <summary>What a line of the conversation is.</summary>
internal enum LineKind
{
    /// <summary>A room message.</summary>
    Message,
    /// <summary>A private message.</summary>
    Private,
    /// <summary>Something the client tells the user: joined, members, connected.</summary>
    Info,
    /// <summary>Something wrong but passing: reconnecting, messages missing.</summary>
    Warning,
    /// <summary>An error from the server or a refused command.</summary>
    Error,
}

/// <summary>One line of the conversation.</summary>
internal sealed record ChatLine(LineKind Kind, string Text, DateTimeOffset Time = default, string? Room = null, string? From = null, string? To = null, bool Legacy = false)
{
    public static ChatLine Info(string text) => new(LineKind.Info, text);

    public static ChatLine Warning(string text) => new(LineKind.Warning, text);

    public static ChatLine Error(string text) => new(LineKind.Error, text);
}

/// <summary>Where the conversation is shown: a terminal with an input line, or plain lines.</summary>
internal interface IChatView
{
    /// <summary>Shows one line; called from any thread.</summary>
    void Show(ChatLine line);

    /// <summary>Shows where the user is talking and whether the connection is up (for the input line).</summary>
    void SetStatus(string room, bool connected);
}

/// <summary>How lines look, with or without colour.</summary>
internal static class ChatFormat
{
    private const string Reset = "\u001b[0m", Dim = "\u001b[2m", Bold = "\u001b[1m", Red = "\u001b[31m", Yellow = "\u001b[33m", Cyan = "\u001b[36m";

    // Colours for senders, chosen by a stable hash of the name so each keeps its colour.
    private static readonly string[] SenderColors = ["\u001b[32m", "\u001b[33m", "\u001b[34m", "\u001b[35m", "\u001b[36m", "\u001b[91m", "\u001b[92m", "\u001b[94m", "\u001b[95m", "\u001b[96m"];

    /// <summary>One line with no escape codes, control characters flattened so a message is always one line.</summary>
    public static string Plain(ChatLine line) => line.Kind switch
    {
        LineKind.Message => $"{Time(line)} #{line.Room} {Sender(line)}: {OneLine(line.Text)}",
        LineKind.Private => $"{Time(line)} {Sender(line)} -> {line.To}: {OneLine(line.Text)}",
        LineKind.Error => $"! {OneLine(line.Text)}",
        _ => $"* {OneLine(line.Text)}",
    };

    /// <summary>The same line for a colour terminal.</summary>
    public static string Colored(ChatLine line) => line.Kind switch
    {
        LineKind.Message => $"{Dim}{Time(line)}{Reset} {Cyan}#{line.Room}{Reset} {Color(line.From)}{Bold}{Sender(line)}{Reset}: {OneLine(line.Text)}",
        LineKind.Private => $"{Dim}{Time(line)}{Reset} {Color(line.From)}{Bold}{Sender(line)}{Reset} -> {Color(line.To)}{line.To}{Reset}: {Bold}{OneLine(line.Text)}{Reset}",
        LineKind.Error => $"{Red}! {OneLine(line.Text)}{Reset}",
        LineKind.Warning => $"{Yellow}* {OneLine(line.Text)}{Reset}",
        _ => $"{Dim}* {OneLine(line.Text)}{Reset}",
    };

    private static string Time(ChatLine line) => line.Time.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    // A legacy sender's name is self-declared: mark it so it is not mistaken for a verified one.
    private static string Sender(ChatLine line) => line.Legacy ? $"{line.From}(?)" : line.From ?? "";

    private static string Color(string? name)
    {
        var hash = 0;
        foreach (var c in name ?? "")
        {
            hash = (hash * 31) + c;
        }

        return SenderColors[(hash & int.MaxValue) % SenderColors.Length];
    }

    /// <summary>Newlines become a visible "\n" and other control characters a space, so nothing can break a line or drive the terminal.</summary>
    public static string OneLine(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\0', '\u001f') && !text.Contains('\u007f', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "",
                _ when char.IsControl(c) => " ",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}

/// <summary>Line mode: one line out per event, nothing else, for scripts and pipes.</summary>
internal sealed class LineView(TextWriter output) : IChatView
{
    private readonly Lock _gate = new();

    public void Show(ChatLine line)
    {
        lock (_gate)
        {
            output.WriteLine(ChatFormat.Plain(line));
            output.Flush();
        }
    }

    public void SetStatus(string room, bool connected)
    {
        // Line mode has no input line; state changes are shown as lines.
    }
}
