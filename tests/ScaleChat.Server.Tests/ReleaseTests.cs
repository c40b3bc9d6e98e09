using System.Diagnostics;
using System.Text.Json;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// Every connection ends and is released, however it ends: its slot under MaxConnections, its
/// socket, its room memberships and its user's presence. A connection that breaks the WebSocket
/// protocol, or whose TCP connection is reset, must not linger.
/// </summary>
public sealed partial class ReleaseTests
{
    /// <summary>How long the server may keep the TCP connection after its close frame.</summary>
    private static readonly TimeSpan TcpCloseWithin = TimeSpan.FromSeconds(2);

    public static TheoryData<string, int> EveryViolation()
    {
        var data = new TheoryData<string, int>();
        foreach (var kind in Violations.Kinds)
        {
            data.Add(kind, Violations.CloseCode(kind));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryViolation))]
    public async Task AConnectionThatBreaksTheWebSocketProtocolIsClosedWithItsCodeAndReleased(string violation, int code)
    {
        await using var server = await TestServer.StartAsync();
        var name = "violator-" + violation;
        var (watcher, bystander) = await WatcherAndBystanderAsync(server);
        await using var w = watcher;
        await using var b = bystander;
        var baseline = Counts(server);

        using var violator = await RawWsClient.HelloAsync(server.HttpUrl, name, "/ws/lobby");
        await ExpectPresenceAsync(watcher, "join", name);
        Assert.Equal((baseline.Open + 1, baseline.Slots + 1, baseline.Watched + 1), Counts(server));

        await violator.SendFrameAsync(Violations.Frame(violation));
        Assert.Equal(code, await violator.ExpectCloseAsync(TimeSpan.FromSeconds(5)));
        var closed = Stopwatch.StartNew();

        var problems = new List<string>();
        if (!await violator.WaitForServerCloseAsync(TcpCloseWithin))
        {
            problems.Add($"the server kept the TCP connection open more than {TcpCloseWithin.TotalSeconds} s after its close frame");
        }

        problems.AddRange(await CheckReleasedAsync(server, baseline, name, watcher, bystander, TcpCloseWithin + TimeSpan.FromSeconds(1) - closed.Elapsed));
        Assert.True(problems.Count == 0, $"after a {violation} ({code}): " + string.Join("; ", problems));
    }

    [Fact]
    public async Task AConnectionResetWithoutACloseHandshakeIsReleased()
    {
        await using var server = await TestServer.StartAsync();
        const string name = "resetter";
        var (watcher, bystander) = await WatcherAndBystanderAsync(server);
        await using var w = watcher;
        await using var b = bystander;
        var baseline = Counts(server);

        using var client = await RawWsClient.HelloAsync(server.HttpUrl, name, "/ws/lobby");
        await ExpectPresenceAsync(watcher, "join", name);
        client.Reset();

        var problems = await CheckReleasedAsync(server, baseline, name, watcher, bystander, TimeSpan.FromSeconds(3));
        Assert.True(problems.Count == 0, "after a reset: " + string.Join("; ", problems));
    }

    [Fact]
    public async Task ViolatorsThatLeaveAtOnceDoNotUseUpTheConnectionLimit()
    {
        const int max = 40, violators = 60;
        await using var server = await TestServer.StartAsync($"ScaleChat:MaxConnections={max}");
        var refused = 0;
        for (var i = 0; i < violators; i++)
        {
            // The attacker keeps no socket: connect, break the protocol, close at once.
            using var violator = await RawWsClient.OpenAsync(server.HttpUrl);
            var head = await violator.UpgradeAsync(new RawUpgrade());
            if (head.Status != 101)
            {
                Assert.Equal(503, head.Status);
                refused++;
                continue;
            }

            var kind = Violations.Kinds[i % Violations.Kinds.Count];
            await violator.SendFrameAsync(Violations.Frame(kind, new Random(i)));
            violator.Close();
        }

        // The server gets a moment to see the last ones leave (bounded): it must not need more.
        var slots = await EventuallyAsync(() => server.ConnectionSlotsTaken(), n => n == 0, TimeSpan.FromSeconds(3));
        var leftovers = $"{slots} of {max} slots still taken and {server.OpenConnections()} connections held after {violators} violators left "
            + $"({refused} of them were refused with 503)";
        using (var probe = await RawWsClient.OpenAsync(server.HttpUrl))
        {
            var answer = await probe.UpgradeAsync(new RawUpgrade { Path = "/ws/after" });
            Assert.True(answer.Status == 101, $"a clean client got '{answer.StatusLine}': {leftovers}");
        }

        var (alice, _) = await WsClient.HelloAsync(server.RoomUrl("after"), "alice");
        await using var a = alice;
        var (bob, _) = await WsClient.HelloAsync(server.RoomUrl("after"), "bob");
        await using var b = bob;
        await alice.SendAsync(new { type = "send", room = "after", text = "anyone left?", @ref = 1 });
        Assert.Equal("anyone left?", (await bob.ExpectAsync("message")).Str("text"));
        Assert.True(slots == 0, leftovers);
    }

    [Fact]
    public async Task ShutdownWithViolatorsConnectedCompletesWithinTwoSeconds()
    {
        // The shutdown timeout is long enough to tell a clean shutdown from one that waits for it,
        // and short enough that a failing run ends soon.
        var server = await TestServer.StartAsync("ScaleChat:ShutdownTimeout=00:00:04", "ScaleChat:CloseTimeout=00:00:02");
        var violators = new List<RawWsClient>();
        Task? stop = null;
        try
        {
            foreach (var kind in Violations.Kinds.Take(4))
            {
                var violator = await RawWsClient.HelloAsync(server.HttpUrl, "violator-" + kind);
                violators.Add(violator);
                await violator.SendFrameAsync(Violations.Frame(kind));
                Assert.Equal(Violations.CloseCode(kind), await violator.ExpectCloseAsync(TimeSpan.FromSeconds(5)));
            }

            // A clean client that reads, and answers the server's close at once as a client should.
            var (clean, _) = await WsClient.HelloAsync(server.WsUrl, "clean");
            await using var c = clean;
            var cleanClose = AnswerCloseAsync(clean);
            var watch = Stopwatch.StartNew();
            stop = server.StopAsync();
            var finished = await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(2))) == stop;
            Assert.True(finished, $"shutdown with {violators.Count} violators connected had not finished after {watch.Elapsed.TotalSeconds:F1} s "
                + $"({server.OpenConnections()} connections still held)");
            await stop;
            Assert.Equal(1001, await cleanClose);
        }
        finally
        {
            foreach (var violator in violators)
            {
                violator.Dispose();
            }

            // A shutdown that failed still ends: the host gives up on what is left after its own timeout.
            if (stop is not null)
            {
                await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(20)));
            }

            await server.DisposeAsync();
        }
    }

    /// <summary>Waits for the server's close, answers it, and returns its code.</summary>
    private static async Task<int> AnswerCloseAsync(WsClient client)
    {
        var (code, _) = await client.ExpectCloseAsync(TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource(WsClient.Timeout);
        await client.Socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "", cts.Token);
        return code;
    }

    private static (int Open, int Slots, int Watched) Counts(TestServer server) => (server.OpenConnections(), server.ConnectionSlotsTaken(), server.WatchedByKeepAlive());

    /// <summary>A watcher in the room <c>lobby</c> that asked for presence, and a bystander to send private messages.</summary>
    private static async Task<(WsClient Watcher, WsClient Bystander)> WatcherAndBystanderAsync(TestServer server)
    {
        var (watcher, _) = await WsClient.HelloAsync(server.RoomUrl("lobby"), "watcher", presence: true);
        var (bystander, _) = await WsClient.HelloAsync(server.WsUrl, "bystander");
        return (watcher, bystander);
    }

    /// <summary>Skips objects until the watcher sees <paramref name="event"/> of <paramref name="user"/> in <c>lobby</c>.</summary>
    private static async Task ExpectPresenceAsync(WsClient watcher, string @event, string user, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? WsClient.Timeout);
        while (true)
        {
            var presence = await watcher.ExpectAsync("presence", deadline - DateTime.UtcNow);
            if (presence.Str("room") == "lobby" && presence.Str("event") == @event && presence.Str("user") == user)
            {
                return;
            }
        }
    }

    /// <summary>
    /// What still shows the connection of <paramref name="name"/> after it ended: its count and slot,
    /// its user online (a private message is accepted), its presence in <c>lobby</c> (no leave event).
    /// Empty when it was released within <paramref name="within"/>.
    /// </summary>
    private static async Task<List<string>> CheckReleasedAsync(
        TestServer server, (int Open, int Slots, int Watched) baseline, string name, WsClient watcher, WsClient bystander, TimeSpan within)
    {
        var problems = new List<string>();
        within = within < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500) : within;
        var counts = await EventuallyAsync(() => Counts(server), c => c == baseline, within);
        if (counts != baseline)
        {
            problems.Add($"not released: {counts.Open} open connections, {counts.Slots} slots taken and {counts.Watched} watched by the keep-alive; {baseline.Open}, {baseline.Slots} and {baseline.Watched} before it connected");
        }

        // Before the private message: anything queued for a stuck connection makes its writer fail and
        // so ends it, which would hide the leak. (A timed-out receive leaves the watcher unusable.)
        try
        {
            await ExpectPresenceAsync(watcher, "leave", name, TimeSpan.FromSeconds(1));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            problems.Add($"a watcher of 'lobby' saw no 'leave' of '{name}': it is still present in the room");
        }

        await bystander.SendAsync(new { type = "send", to = name, text = "still there?", @ref = "pm" });
        var answer = await ExpectAnswerAsync(bystander, "pm");
        if (answer.Str("code") != "no_such_user")
        {
            problems.Add($"a private message to '{name}' was answered {answer.GetRawText()} instead of no_such_user: the user is still online");
        }

        return problems;
    }

    /// <summary>The ack or error of the object sent with <paramref name="ref"/>.</summary>
    private static async Task<JsonElement> ExpectAnswerAsync(WsClient client, string @ref)
    {
        while (true)
        {
            var element = await client.ReceiveAsync();
            if (element.Type() is "ack" or "error" && element.Str("ref") == @ref)
            {
                return element;
            }
        }
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> or the time is up; returns the last value.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var value = read();
            if (done(value) || deadline.Elapsed > within)
            {
                return value;
            }

            await Task.Delay(20);
        }
    }
}
