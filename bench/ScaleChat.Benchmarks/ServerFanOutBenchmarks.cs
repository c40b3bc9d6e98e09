using System.Buffers;
using BenchmarkDotNet.Attributes;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;

namespace ScaleChat.Benchmarks;

/// <summary>
/// The server's fan-out without sockets: encoding a room message, and handing it to 1,000
/// recipients' send queues then draining them in batches as each writer loop does. Compares
/// encoding once per fan-out with encoding once per recipient.
/// </summary>
[MemoryDiagnoser]
public class ServerFanOutBenchmarks
{
    private const int Recipients = 1000;

    private readonly ChatMessage _message = new()
    {
        Room = "global",
        From = "alice",
        Text = "hello, this is a typical short chat message",
        Seq = 123456,
        Id = "0194b1e2c3-1e240",
        Timestamp = 1732700000000,
    };

    private readonly SendQueue[] _queues = new SendQueue[Recipients];

    [GlobalSetup]
    public void Setup()
    {
        for (var i = 0; i < _queues.Length; i++)
        {
            _queues[i] = new SendQueue(1 << 20);
        }
    }

    /// <summary>Encoding one message object.</summary>
    [Benchmark]
    public byte[] EncodeMessage() => ServerFrames.Message(_message);

    /// <summary>One enqueue and its share of a batched dequeue, on one queue.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    public int EnqueueAndDrainOneQueue()
    {
        var frame = ServerFrames.Message(_message);
        var queue = _queues[0];
        for (var i = 0; i < 64; i++)
        {
            queue.TryEnqueue(frame);
        }

        return Take(queue);
    }

    /// <summary>The fan-out as the hub does it: encode once, enqueue the same bytes to 1,000 queues, drain.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Recipients)]
    public int FanOutEncodeOnce()
    {
        var frame = ServerFrames.Message(_message);
        foreach (var queue in _queues)
        {
            queue.TryEnqueue(frame);
        }

        return Drain();
    }

    /// <summary>What encode-once avoids: a fresh encoding for every recipient.</summary>
    [Benchmark(OperationsPerInvoke = Recipients)]
    public int FanOutEncodePerRecipient()
    {
        foreach (var queue in _queues)
        {
            queue.TryEnqueue(ServerFrames.Message(_message));
        }

        return Drain();
    }

    private int Drain()
    {
        var total = 0;
        foreach (var queue in _queues)
        {
            total += Take(queue);
        }

        return total;
    }

    /// <summary>What a writer takes for one frame; the buffer goes back to the pool as after a write.</summary>
    private static int Take(SendQueue queue)
    {
        var buffer = queue.DequeueBatch(64 * 1024, 0, out var objects, out _);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return objects;
    }
}
