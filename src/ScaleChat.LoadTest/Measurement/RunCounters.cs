using System.Collections.Concurrent;
using System.Text;

namespace ScaleChat.LoadTest.Measurement;

/// <summary>Counters that any thread bumps: connections, acks, errors and closes by code.</summary>
internal sealed class RunCounters
{
    private long _connected;
    private long _connectAttempts;
    private long _acks;
    private long _deliveriesSeen;
    private long _sent;
    private long _notSent;

    public ConcurrentDictionary<string, long> ConnectFailures { get; } = new();

    public ConcurrentDictionary<string, long> Errors { get; } = new();

    public ConcurrentDictionary<string, long> Closes { get; } = new();

    public long Connected => Volatile.Read(ref _connected);

    public long ConnectAttempts => Volatile.Read(ref _connectAttempts);

    public long Acks => Volatile.Read(ref _acks);

    /// <summary>Every message copy received, warm-up included (for the live line).</summary>
    public long DeliveriesSeen => Volatile.Read(ref _deliveriesSeen);

    /// <summary>Every message sent, warm-up included.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Messages due when their publisher was not connected.</summary>
    public long NotSent => Volatile.Read(ref _notSent);

    public long ErrorTotal => Errors.Values.Sum();

    public long ConnectFailureTotal => ConnectFailures.Values.Sum();

    public void Attempted() => Interlocked.Increment(ref _connectAttempts);

    public void Joined() => Interlocked.Increment(ref _connected);

    public void Left() => Interlocked.Decrement(ref _connected);

    public void Acked() => Interlocked.Increment(ref _acks);

    public void Delivered() => Interlocked.Increment(ref _deliveriesSeen);

    public void SentOne() => Interlocked.Increment(ref _sent);

    public void NotSentOne() => Interlocked.Increment(ref _notSent);

    public void ConnectFailed(string kind) => ConnectFailures.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public void Closed(string code) => Closes.AddOrUpdate(code, 1, (_, n) => n + 1);

    // Errors are rare; a string per error is fine.
    public void Error(ReadOnlySpan<byte> code) =>
        Errors.AddOrUpdate(code.IsEmpty ? "unknown" : Encoding.UTF8.GetString(code), 1, (_, n) => n + 1);
}
