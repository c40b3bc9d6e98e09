using ScaleChat.LoadTest.Workload;
namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// Called for each object a load client receives, on its receive loop, with the time its bytes
/// were read (<see cref="System.Diagnostics.Stopwatch"/> ticks).
/// </summary>
internal delegate void LoadObjectHandler(LoadClient client, ReadOnlySpan<byte> json, long receivedTicks);


/// <summary>The WebSocket connection of one simulated client: send objects, receive them, close.</summary>
internal interface ILoadConnection
{
    /// <summary>The close code the server sent, or null when the connection ended without one.</summary>
    int? CloseStatus { get; }

    /// <summary>Queues one object (compact JSON, no newline); never waits on the socket.</summary>
    void Send(ReadOnlySpan<byte> json);

    /// <summary>Receives until the connection closes or fails; hands each object to <paramref name="onObject"/>.</summary>
    Task ReceiveLoopAsync(LoadClient client, LoadObjectHandler onObject);

    /// <summary>Closes politely within <paramref name="timeout"/>, then aborts.</summary>
    Task CloseAsync(TimeSpan timeout);
}
