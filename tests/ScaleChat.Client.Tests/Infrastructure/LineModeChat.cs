using System.IO.Pipelines;
using ScaleChat.Cli.Chat;

namespace ScaleChat.Client.Tests.Infrastructure;

/// <summary>
/// <c>scalechat chat</c> in line mode, run in-process through its line-mode entry point with its
/// input and output on pipes, as a script would drive it.
/// </summary>
internal sealed class LineModeChat : IAsyncDisposable
{
    private readonly Pipe _input = new(), _output = new();
    private readonly StreamWriter _writer;
    private readonly StreamReader _reader;
    private readonly StringWriter _error = new();
    private readonly Task<int> _run;

    private LineModeChat(ChatArguments arguments)
    {
        _writer = new StreamWriter(_input.Writer.AsStream()) { AutoFlush = true };
        _reader = new StreamReader(_output.Reader.AsStream());
        var input = new StreamReader(_input.Reader.AsStream());
        var output = new StreamWriter(_output.Writer.AsStream()) { AutoFlush = true };
        _run = Task.Run(async () =>
        {
            try
            {
                return await ChatCommand.RunAsync(arguments, input, output, _error, terminal: false, CancellationToken.None);
            }
            finally
            {
                await _output.Writer.CompleteAsync();
            }
        });
    }

    /// <summary>Every line printed so far.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>What went to standard error.</summary>
    public string Error => _error.ToString();

    /// <summary>Starts the chat and waits until it is connected (and in <paramref name="room"/>).</summary>
    /// <remarks>Presence lines are off unless asked for, so the tests read the lines they expect next.</remarks>
    public static async Task<LineModeChat> StartAsync(Uri url, string name, string? room = null, bool presence = false)
    {
        var chat = new LineModeChat(new ChatArguments(url, name, room, Presence: presence));
        await chat.ExpectAsync(l => l.StartsWith("* connected", StringComparison.Ordinal));
        if (room is not null)
        {
            await chat.ExpectAsync(l => l.StartsWith($"* joined #{room}", StringComparison.Ordinal));
        }

        return chat;
    }

    /// <summary>Types one line.</summary>
    public Task WriteLineAsync(string line) => _writer.WriteLineAsync(line).Bounded();

    /// <summary>The next line printed.</summary>
    public async Task<string> ReadLineAsync()
    {
        var line = await _reader.ReadLineAsync().Bounded() ?? throw new InvalidOperationException($"the chat ended; stderr: {Error}");
        Lines.Add(line);
        return line;
    }

    /// <summary>Reads lines until one matches.</summary>
    public async Task<string> ExpectAsync(Func<string, bool> match)
    {
        while (true)
        {
            var line = await ReadLineAsync();
            if (match(line))
            {
                return line;
            }
        }
    }

    /// <summary>Types /quit and returns the exit code.</summary>
    public async Task<int> QuitAsync()
    {
        await WriteLineAsync("/quit");
        return await _run.Bounded();
    }

    public async ValueTask DisposeAsync()
    {
        await _input.Writer.CompleteAsync();
        await _run.WaitAsync(Wait.Timeout);
    }
}
