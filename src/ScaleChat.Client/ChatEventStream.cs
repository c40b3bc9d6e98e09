using System.Threading.Channels;

namespace ScaleChat.Client;

/// <summary>
/// Every event of a <see cref="ChatClient"/> from the moment it was made by
/// <see cref="ChatClient.Subscribe"/>, as an <see cref="IAsyncEnumerable{T}"/>. Events are kept
/// until read, so read promptly or dispose the stream. Ends when the client is disposed.
/// </summary>
public sealed class ChatEventStream : IAsyncEnumerable<ChatEvent>, IDisposable
{
    private readonly Channel<ChatEvent> _channel =
        Channel.CreateUnbounded<ChatEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Action<ChatEventStream> _unsubscribe;

    internal ChatEventStream(Action<ChatEventStream> unsubscribe) => _unsubscribe = unsubscribe;

    /// <summary>The events as they come; ends when the client is disposed.</summary>
    public IAsyncEnumerator<ChatEvent> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);

    /// <summary>Reads the next event, waiting for one.</summary>
    /// <exception cref="ChannelClosedException">The client was disposed and every event read.</exception>
    public ValueTask<ChatEvent> ReadAsync(CancellationToken cancellationToken = default) => _channel.Reader.ReadAsync(cancellationToken);

    /// <summary>Takes the next event if one is waiting.</summary>
    public bool TryRead(out ChatEvent? chatEvent) => _channel.Reader.TryRead(out chatEvent);

    internal void Write(ChatEvent chatEvent) => _channel.Writer.TryWrite(chatEvent);

    internal void Complete() => _channel.Writer.TryComplete();

    /// <summary>Stops collecting events and ends the stream.</summary>
    public void Dispose()
    {
        _unsubscribe(this);
        Complete();
    }
}
