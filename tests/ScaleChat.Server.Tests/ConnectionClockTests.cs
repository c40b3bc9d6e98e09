using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ScaleChat.Server.Tests;

/// <summary>A connection's timers run on the clock the host registers, so tests and embedders can move it.</summary>
public sealed class ConnectionClockTests
{
    [Fact(Timeout = 30_000)]
    public async Task TheHandshakeTimeoutRunsOnTheHostsClock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(builder => builder.Services.AddSingleton<TimeProvider>(clock), "ScaleChat:HandshakeTimeout=00:01:00");
        await using var silent = await WsClient.ConnectAsync(server.WsUrl);

        // Minutes of the host's clock pass in an instant (again, until the server has armed its timer):
        // the connection that never said hello is closed long before a real minute.
        var closed = silent.ExpectCloseAsync(TimeSpan.FromSeconds(10));
        while (!closed.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(61));
            await Task.WhenAny(closed, Task.Delay(100));
        }

        Assert.Equal(1008, (await closed).Code);
    }
}
