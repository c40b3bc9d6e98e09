using System.Collections.Concurrent;
using ScaleChat.Backplane;

namespace ScaleChat.Testing.Backplane;

/// <summary>An <see cref="IBackplaneHandler"/> that keeps what it is given, for tests to wait on.</summary>
public sealed class RecordingHandler : IBackplaneHandler
{
    public ConcurrentQueue<Envelope> RoomMessages { get; } = new();

    public ConcurrentQueue<Envelope> PrivateMessages { get; } = new();

    public ConcurrentQueue<(string Room, string User, bool Joined, string Node, long Connection)> Presence { get; } = new();

    public ConcurrentQueue<string> Resets { get; } = new();

    public void OnRoomMessage(Envelope envelope) => RoomMessages.Enqueue(envelope);

    public void OnPrivateMessage(Envelope envelope) => PrivateMessages.Enqueue(envelope);

    public void OnPresence(string room, string user, bool joined, string originNode, long originConnection) =>
        Presence.Enqueue((room, user, joined, originNode, originConnection));

    public void OnRoomReset(string room) => Resets.Enqueue(room);

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
}
