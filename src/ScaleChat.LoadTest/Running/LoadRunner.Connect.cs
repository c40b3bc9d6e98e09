using System.Diagnostics;
using System.Net.WebSockets;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Workload;

namespace ScaleChat.LoadTest.Running;

public sealed partial class LoadRunner
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    // At most this many handshakes in flight: a server slower than the ramp slows the ramp (its
    // connect time shows it) instead of overflowing its accept queue until every SYN times out.
    private const int MaxHandshakesInFlight = 256;

    // Opens the connections at the ramp rate (this slice's share of it), each to its room's endpoint.
    private async Task ConnectAllAsync(SourceAddresses sources, CancellationToken cancellationToken)
    {
        var perSecond = _settings.Ramp / _settings.SliceCount;
        var start = Stopwatch.GetTimestamp();
        var connecting = new List<Task>(_clients.Length);
        using var inFlight = new SemaphoreSlim(MaxHandshakesInFlight);
        var next = 0;
        while (next < _clients.Length && !cancellationToken.IsCancellationRequested)
        {
            var due = (int)Math.Min(_clients.Length, Math.Floor((Stopwatch.GetElapsedTime(start).TotalSeconds * perSecond) + 1));
            for (; next < due; next++)
            {
                await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                connecting.Add(ConnectOneAsync(_clients[next], sources, inFlight, cancellationToken));
            }

            if (next < _clients.Length)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Clamp(1 / perSecond, 0.005, 0.05)), cancellationToken).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(connecting).ConfigureAwait(false);
    }

    private Uri RoomUrl(int room)
    {
        var url = _settings.Url;
        return new Uri($"{url.GetLeftPart(UriPartial.Path).TrimEnd('/')}/{Plan.RoomName(room)}{url.Query}");
    }

    private async Task ConnectOneAsync(LoadClient client, SourceAddresses sources, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        _counters.Attempted();
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout);
            await client.ConnectAsync(RoomUrl(client.Room), sources, _settings.Legacy, _loop, timeout.Token).ConfigureAwait(false);
            _ = ReceiveAsync(client);
            if (!_settings.Legacy)
            {
                client.Send(LoadHello.For(client.Name, _settings));
                await client.Welcome.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
            }

            _connectTime.Record((Stopwatch.GetTimestamp() - started) * 1_000_000 / Stopwatch.Frequency);
            if (client.TryJoin())
            {
                Interlocked.Increment(ref _joinedPerRoom[client.Room]);
                _counters.Joined();
                var now = _counters.Connected;
                long peak;
                while (now > (peak = Interlocked.Read(ref _peakConnected)) && Interlocked.CompareExchange(ref _peakConnected, now, peak) != peak)
                {
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or OperationCanceledException or LoadException or IOException or System.Net.Sockets.SocketException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                _counters.ConnectFailed(ex is LoadException ? ex.Message : ConnectFailure.KindOf(ex));
            }

            await client.CloseAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        finally
        {
            inFlight.Release();
        }
    }

    private async Task ReceiveAsync(LoadClient client)
    {
        string code;
        try
        {
            await client.ReceiveLoopAsync(OnObject).ConfigureAwait(false);
            code = client.CloseStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "1006";
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // No close frame: the connection was reset or aborted.
            code = "1006";
        }

        client.Welcome.TrySetException(new LoadException("closed_" + code));
        if (client.End())
        {
            Interlocked.Decrement(ref _joinedPerRoom[client.Room]);
            _counters.Left();
            if (!_stopping)
            {
                _counters.Closed(code);
            }
        }
    }

    private void OnObject(LoadClient client, ReadOnlySpan<byte> json, long receivedTicks)
    {
        if (!LoadObjectReader.TryRead(json, _settings.Legacy, out var o))
        {
            _counters.Error("unparsable"u8);
            return;
        }

        switch (o.Kind)
        {
            case ServerObjectKind.Message when o.MessageIndex >= 0:
                _counters.Delivered();
                _tracker.Received(client, o.MessageIndex, receivedTicks);
                if (_raw is not null && o.MessageIndex >= _plan.WarmupMessages && o.MessageIndex < _plan.TotalMessages)
                {
                    _raw.Received(o.MessageIndex, _plan.ClientIndexes[_plan.SenderOf(o.MessageIndex)], client.Global, receivedTicks);
                }

                break;
            case ServerObjectKind.Ack:
                _counters.Acked();
                break;
            case ServerObjectKind.Error:
                _counters.Error(o.Code);
                break;
            case ServerObjectKind.Welcome:
                client.Welcome.TrySetResult();
                break;
        }
    }

    private async Task CloseAllAsync()
    {
        var closing = _clients.Select(c => c.CloseAsync(TimeSpan.FromSeconds(3)));
        try
        {
            await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Every close aborts after its own timeout; this only bounds the whole.
        }
    }
}
