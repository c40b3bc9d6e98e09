using System.Collections.Concurrent;
using ScaleChat.Backplane;

namespace ScaleChat.Testing.Backplane;

/// <summary>An <see cref="IBackplaneHandler"/> that keeps what it is given, for tests to wait on.</summary>
public sealed class RecordingHandler : IBackplaneHandler
{
    // Completed (and replaced) at every delivery, so that a wait wakes on deliveries rather than polling.
    private TaskCompletionSource _delivered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<Envelope> RoomMessages { get; } = new();

    public ConcurrentQueue<Envelope> PrivateMessages { get; } = new();

    public ConcurrentQueue<(string Room, string User, bool Joined, string Node, long Connection)> Presence { get; } = new();

    public ConcurrentQueue<string> Resets { get; } = new();

    public void OnRoomMessage(Envelope envelope)
    {
        RoomMessages.Enqueue(envelope);
        Delivered();
    }

    public void OnPrivateMessage(Envelope envelope)
    {
        PrivateMessages.Enqueue(envelope);
        Delivered();
    }

    public void OnPresence(string room, string user, bool joined, string originNode, long originConnection)
    {
        Presence.Enqueue((room, user, joined, originNode, originConnection));
        Delivered();
    }

    public void OnRoomReset(string room)
    {
        Resets.Enqueue(room);
        Delivered();
    }

    /// <summary>
    /// Waits (at most 10 s) until <paramref name="condition"/> holds, checking it again at each delivery
    /// to this handler: a signal, not a poll.
    /// </summary>
    public async Task WaitAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            // Taken before the check: a delivery after the check completes this one.
            var next = Volatile.Read(ref _delivered).Task;
            if (condition())
            {
                return;
            }

            try
            {
                await next.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
        }
    }

    /// <summary>Waits (at most 10 s) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(10);
        }
    }

    private void Delivered() =>
        Interlocked.Exchange(ref _delivered, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
