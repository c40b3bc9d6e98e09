namespace ScaleChat.LoadTest.Clients;

internal sealed partial class LoadClient
{
    // Read only by this client's receive loop: the last message number seen from each sender, for
    // counting deliveries out of order.
    private Dictionary<int, long>? _lastFromSender;

    /// <summary>
    /// Records that message <paramref name="k"/> of <paramref name="sender"/> arrived; true when it
    /// came after a later message of the same sender had already arrived.
    /// </summary>
    public bool ArrivedOutOfOrder(int sender, long k)
    {
        _lastFromSender ??= [];
        if (_lastFromSender.TryGetValue(sender, out var last) && k < last)
        {
            return true;
        }

        _lastFromSender[sender] = k;
        return false;
    }

    /// <summary>Receives until the connection closes or fails; hands each object to <paramref name="onObject"/>.</summary>
    public Task ReceiveLoopAsync(LoadObjectHandler onObject) => _connection!.ReceiveLoopAsync(this, onObject);

    /// <summary>Closes politely within <paramref name="timeout"/>, then aborts.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync(timeout).ConfigureAwait(false);
        }
    }
}
