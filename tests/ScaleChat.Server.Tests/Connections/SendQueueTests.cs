using System.Buffers;
using System.Text;
using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Tests.Connections;

/// <summary>
/// The writer takes a connection's queued objects as one frame's payload, joined by '\n' behind room
/// for the frame's header, up to the batch limit; what does not fit waits for the next frame.
/// </summary>
public sealed class SendQueueTests
{
    [Fact]
    public void ABatchJoinsQueuedObjectsBehindTheHeaderRoomUpToTheLimit()
    {
        var queue = new SendQueue(1 << 20);
        foreach (var text in new[] { "{\"a\":1}", "{\"b\":22}", "{\"c\":333}" })
        {
            Assert.Equal(SendQueue.Result.Queued, queue.TryEnqueue(Encoding.UTF8.GetBytes(text)));
        }

        // The first two and their separator are 16 bytes; the third would make 26.
        Assert.Equal("{\"a\":1}\n{\"b\":22}", Take(queue, maxBytes: 20, headerRoom: 10));
        Assert.Equal("{\"c\":333}", Take(queue, maxBytes: 20, headerRoom: 10));
        Assert.Null(queue.DequeueBatch(20, 10, out var objects, out var length));
        Assert.Equal((0, 0), (objects, length));
        Assert.Equal((0, 0L), (queue.Count, queue.Bytes));
    }

    [Fact]
    public void AnObjectLargerThanTheLimitStillGoesWholeAndAlone()
    {
        var queue = new SendQueue(1 << 20);
        var big = new string('x', 5_000);
        queue.TryEnqueue(Encoding.UTF8.GetBytes(big));
        queue.TryEnqueue("{}"u8.ToArray());

        Assert.Equal(big, Take(queue, maxBytes: 1_024, headerRoom: 0));
        Assert.Equal("{}", Take(queue, maxBytes: 1_024, headerRoom: 0));
    }

    [Fact]
    public void ALimitOfZeroTakesOneObjectPerFrame()
    {
        var queue = new SendQueue(1 << 20);
        queue.TryEnqueue("{\"a\":1}"u8.ToArray());
        queue.TryEnqueue("{\"b\":2}"u8.ToArray());

        Assert.Equal("{\"a\":1}", Take(queue, maxBytes: 0, headerRoom: 10));
        Assert.Equal("{\"b\":2}", Take(queue, maxBytes: 0, headerRoom: 10));
    }

    [Fact]
    public void AParkedReaderIsWokenOnceByTheFirstFrameAndDoneOnlyWhenCompletedAndEmpty()
    {
        var reader = new CountingReader();
        var queue = new SendQueue(1 << 20, reader);
        // Woken on the thread pool: wait for each wake.
        queue.TryEnqueue([1]);
        queue.TryEnqueue([2]);
        reader.WaitFor(1);
        Assert.Equal(SendQueue.ParkResult.More, queue.Park());
        Assert.NotNull(queue.DequeueBatch(1024, 0, out var objects, out _));
        Assert.Equal(2, objects);
        Assert.Equal(SendQueue.ParkResult.Parked, queue.Park());

        queue.TryEnqueue([3]);
        reader.WaitFor(2);
        queue.Complete(discard: false);
        Assert.Equal(SendQueue.ParkResult.More, queue.Park()); // what is queued still goes
        Assert.NotNull(queue.DequeueBatch(1024, 0, out _, out _));
        Assert.Equal(SendQueue.ParkResult.Done, queue.Park());
        Assert.Equal(SendQueue.Result.Closed, queue.TryEnqueue([4]));
        Thread.Sleep(100);
        Assert.Equal(2, reader.Wakes); // no wake for what came while it was not parked, none after the end
    }

    [Fact]
    public void CompletingAQueueWakesItsParkedReader()
    {
        var reader = new CountingReader();
        var queue = new SendQueue(1 << 20, reader);
        queue.Complete(discard: true);
        reader.WaitFor(1);
        Assert.Equal(SendQueue.ParkResult.Done, queue.Park());
    }

    /// <summary>A reader that only counts its wakes.</summary>
    private sealed class CountingReader : ISendQueueReader
    {
        private int _wakes;

        public int Wakes => Volatile.Read(ref _wakes);

        public void OnQueued() => Interlocked.Increment(ref _wakes);

        public void WaitFor(int wakes) => Assert.True(SpinWait.SpinUntil(() => Wakes >= wakes, TimeSpan.FromSeconds(10)));
    }

    /// <summary>The next batch's payload as text.</summary>
    private static string Take(SendQueue queue, int maxBytes, int headerRoom)
    {
        var buffer = queue.DequeueBatch(maxBytes, headerRoom, out var objects, out var length);
        Assert.NotNull(buffer);
        try
        {
            Assert.True(buffer.Length >= headerRoom + length);
            var payload = Encoding.UTF8.GetString(buffer, headerRoom, length);
            Assert.Equal(objects, payload.Split('\n').Length);
            return payload;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
