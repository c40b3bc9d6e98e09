using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace ScaleChat.Web.Tests.Infrastructure;

/// <summary>
/// The WebSockets a page opens and the objects it sends and receives on them, as the browser saw
/// them: to check what went into a <c>hello</c>, and that a page does not keep reconnecting.
/// Attach it before the page navigates.
/// </summary>
public sealed class SocketLog
{
    private readonly ConcurrentQueue<JsonElement> _sent = new();
    private readonly ConcurrentQueue<JsonElement> _received = new();
    private int _opened;

    public SocketLog(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.WebSocket += (_, ws) =>
        {
            Interlocked.Increment(ref _opened);
            ws.FrameSent += (_, frame) => Add(_sent, frame.Text);
            ws.FrameReceived += (_, frame) => Add(_received, frame.Text);
        };
    }

    /// <summary>How many WebSockets the page has opened.</summary>
    public int Opened => Volatile.Read(ref _opened);

    /// <summary>Every object sent, in order.</summary>
    public IReadOnlyList<JsonElement> Sent => [.. _sent];

    /// <summary>Every object received, in order.</summary>
    public IReadOnlyList<JsonElement> Received => [.. _received];

    /// <summary>The objects of a type, sent or received, in order.</summary>
    public static IReadOnlyList<JsonElement> OfType(IEnumerable<JsonElement> objects, string type) =>
        [.. objects.Where(o => o.TryGetProperty("type", out var t) && t.GetString() == type)];

    /// <summary>Waits (bounded) until <paramref name="done"/> holds.</summary>
    public static async Task UntilAsync(Func<bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    private static void Add(ConcurrentQueue<JsonElement> into, string? frame)
    {
        // A frame may batch several objects, one per line.
        foreach (var line in (frame ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                into.Enqueue(doc.RootElement.Clone());
            }
            catch (JsonException)
            {
                // Not an object of the protocol: not what these tests look at.
            }
        }
    }
}
