using System.Net.WebSockets;
using System.Text;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests.Connections;

/// <summary>
/// On the lean path the writer frames server messages itself and writes them straight into the
/// transport, beside the WebSocket's own frames (pings, pongs, close). A standard client must read
/// every frame whole, whatever its length and however the two writers interleave.
/// </summary>
public sealed class DirectFrameTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Theory(Timeout = 20_000)]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(300_000)]
    public async Task AFrameOfAnyLengthReachesAStandardClientWhole(int length)
    {
        await using var link = new WebSocketLink();
        // Two objects joined by '\n' make up the payload (one empty object for length 0).
        byte[][] objects = length == 0 ? [[]] : [Encoding.UTF8.GetBytes(new string('a', length / 2)), Encoding.UTF8.GetBytes(new string('b', length - (length / 2) - 1))];
        var write = link.Sink.WriteTextFrameAsync(Payload(objects), length); // a long frame waits for the reader

        var received = await link.ReceiveTextAsync();
        await write;
        Assert.Equal(length, Encoding.UTF8.GetByteCount(received));
        Assert.Equal(string.Join('\n', objects.Select(o => Encoding.UTF8.GetString(o))), received);
    }

    [Fact(Timeout = 30_000)]
    public async Task DirectFramesAndTheWebSocketsOwnFramesNeverInterleave()
    {
        await using var link = new WebSocketLink();
        const int Each = 2_000;
        var big = Encoding.UTF8.GetBytes(new string('d', 5_000));
        var direct = Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                var text = Encoding.UTF8.GetBytes($"direct {i} ");
                await link.Sink.WriteTextFrameAsync(Payload([text, big]), text.Length + 1 + big.Length);
            }
        });
        var own = Task.Run(async () =>
        {
            for (var i = 0; i < Each; i++)
            {
                await link.Server.SendAsync(Encoding.UTF8.GetBytes($"own {i}"), WebSocketMessageType.Text, true, CancellationToken.None);
            }
        });

        int nextDirect = 0, nextOwn = 0;
        while (nextDirect < Each || nextOwn < Each)
        {
            var text = await link.ReceiveTextAsync();
            if (text.StartsWith("direct ", StringComparison.Ordinal))
            {
                Assert.Equal($"direct {nextDirect++} \n{new string('d', 5_000)}", text);
            }
            else
            {
                Assert.Equal($"own {nextOwn++}", text);
            }
        }

        await Task.WhenAll(direct, own);
    }

    [Fact(Timeout = 20_000)]
    public async Task AnAbortReleasesADirectWriteThatWaitsOnAPeerThatDoesNotRead()
    {
        await using var link = new WebSocketLink();
        var big = new byte[300_000];
        var stuck = link.Sink.WriteTextFrameAsync(Payload([big]), big.Length).AsTask(); // more than the pipe holds; nobody reads
        Assert.False(stuck.IsCompleted);

        link.Server.Abort();

        await Assert.ThrowsAsync<IOException>(() => stuck.WaitAsync(Timeout));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => link.Sink.WriteTextFrameAsync(Payload([[1]]), 1).AsTask());
    }

    [Fact(Timeout = 20_000)]
    public async Task ASendLoopWakesEveryParkedWriterOnItsThreadAndTheThreadPoolWakesThemAfterItStopped()
    {
        var loops = new SendLoops(2);
        var readers = Enumerable.Range(0, 100).Select(_ => new RecordingReader()).ToArray();
        var queues = readers.Select(r => r.Queue = new SendQueue(1 << 20, r, loops.Next())).ToArray();
        foreach (var queue in queues)
        {
            Assert.Equal(SendQueue.Result.Queued, queue.TryEnqueue([1, 2, 3]));
        }

        foreach (var reader in readers)
        {
            Assert.StartsWith("scalechat-send-", await reader.Woken.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        }

        loops.Dispose();
        foreach (var queue in queues)
        {
            queue.TryEnqueue([4]);
        }

        foreach (var reader in readers)
        {
            Assert.Equal("thread pool", await reader.Woken.Reader.ReadAsync().AsTask().WaitAsync(Timeout));
        }

        Assert.All(readers, r => Assert.Equal(2, r.Objects));
    }

    /// <summary>A writer that takes one batch per wake and parks again, and says where it ran.</summary>
    private sealed class RecordingReader : ISendQueueReader
    {
        public SendQueue Queue { get; set; } = null!;

        public System.Threading.Channels.Channel<string> Woken { get; } = System.Threading.Channels.Channel.CreateUnbounded<string>();

        public int Objects { get; private set; }

        public void OnQueued()
        {
            while (Queue.DequeueBatch(1024, 0, out var objects, out _) is { } buffer)
            {
                Objects += objects;
                System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            }

            Assert.Equal(SendQueue.ParkResult.Parked, Queue.Park());
            Woken.Writer.TryWrite(Thread.CurrentThread.IsThreadPoolThread ? "thread pool" : Thread.CurrentThread.Name ?? "");
        }
    }

    /// <summary>A writer's buffer: <paramref name="objects"/> joined by '\n' after the header room.</summary>
    private static byte[] Payload(byte[][] objects) =>
        [.. new byte[ILeanTransport.HeaderRoom], .. objects.SelectMany((o, i) => i == 0 ? o : [(byte)'\n', .. o])];
}
