using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using ScaleChat.Server.Backplane;
using ScaleChat.Server.Tests.Infrastructure;
using static ScaleChat.Server.Tests.Infrastructure.Observability;

namespace ScaleChat.Server.Tests;

/// <summary>
/// Memory is bounded by configuration, whatever clients do: history by its budget, rooms nobody
/// uses by nothing, answers by the send budget. (In the collection that runs alone: a test host's
/// servers share their counters, and these tests count exactly.)
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class MemoryBoundsTests
{
    // Text of control characters: each is escaped to six bytes on the way out (\u0001).
    private static readonly string EscapedText = new('\u0001', 4096);

    private static readonly string[] Unlimited = ["ScaleChat:Limits:MessagesPerSecond=100000", "ScaleChat:Limits:Burst=100000"];

    private static InMemoryBackplane Backplane(TestServer server) => server.Services.GetRequiredService<InMemoryBackplane>();

    [Fact]
    public async Task ChurnOfUniqueRoomsStaysWithinTheHistoryBudgetAndTheNewestHistoryIsKept()
    {
        const long budget = 200_000;
        await using var server = await TestServer.StartAsync([.. Unlimited, $"ScaleChat:HistoryBudgetBytes={budget}"]);
        var (client, _) = await WsClient.HelloAsync(server.WsUrl, "churner");
        await using var c = client;
        var text = new string('x', 4096);
        string? firstEpoch = null;
        for (var i = 0; i < 200; i++)
        {
            await client.SendAsync(new { type = "join", room = $"r{i}" });
            var joined = await client.ExpectAsync("joined");
            firstEpoch ??= joined.Str("epoch");
            await client.SendAsync(new { type = "send", room = $"r{i}", text, @ref = i });
            await client.ExpectAsync("ack");
            await client.SendAsync(new { type = "leave", room = $"r{i}" });
            await client.ExpectAsync("left");
            Assert.True(Backplane(server).History.Bytes <= budget, $"history took {Backplane(server).History.Bytes} bytes after room {i}");
        }

        // About 8.4 KB a message: some twenty rooms keep theirs; the rest are forgotten, not kept empty.
        var rooms = Backplane(server).RoomCount;
        Assert.InRange(rooms, 10, 30);

        // The newest room still has its message; the first one starts over in a new epoch.
        await client.SendAsync(new { type = "join", room = "r199" });
        await client.ExpectAsync("joined");
        await client.SendAsync(new { type = "history", room = "r199" });
        Assert.Single((await client.ExpectAsync("history")).GetProperty("messages").EnumerateArray());
        await client.SendAsync(new { type = "join", room = "r0", after = new { seq = 1, epoch = firstEpoch } });
        var again = await client.ExpectAsync("joined");
        Assert.False(again.GetProperty("recovered").GetBoolean());
        Assert.NotEqual(firstEpoch, again.Str("epoch"));

        var metrics = await GetTextAsync(server, "/metrics");
        Assert.InRange(Sum(metrics, "scalechat_history_bytes"), 1, budget);
    }

    [Theory]
    [InlineData("ScaleChat:HistorySize=0")]
    [InlineData("ScaleChat:HistoryBudgetBytes=0")]
    public async Task ARoomWithNoMembersAndNoHistoryIsForgotten(string noHistory)
    {
        await using var server = await TestServer.StartAsync([.. Unlimited, noHistory]);
        var (client, _) = await WsClient.HelloAsync(server.WsUrl, "visitor", presence: true);
        await using var c = client;
        for (var i = 0; i < 50; i++)
        {
            await client.SendAsync(new { type = "join", room = $"empty{i}", presence = true });
            await client.ExpectAsync("joined");
            await client.SendAsync(new { type = "send", room = $"empty{i}", text = "hi" });
            await client.ExpectAsync("ack");
            await client.SendAsync(new { type = "leave", room = $"empty{i}" });
            await client.ExpectAsync("left");
        }

        Assert.Equal(1, Backplane(server).RoomCount); // global, where the client still is
        Assert.Equal(0, Backplane(server).History.Bytes);
    }

    [Fact]
    public async Task AHistoryAnswerIsCutToFitAndPagesOnWithMore()
    {
        await using var server = await TestServer.StartAsync(Unlimited);
        var (writer, _) = await WsClient.HelloAsync(server.RoomUrl("noisy"), "writer");
        await using var w = writer;
        for (var i = 0; i < 6; i++)
        {
            await writer.SendAsync(new { type = "send", room = "noisy", text = EscapedText, @ref = i });
            await writer.ExpectAsync("ack");
        }

        var (reader, _) = await WsClient.HelloAsync(server.RoomUrl("noisy"), "reader");
        await using var r = reader;
        await reader.SendAsync(new { type = "history", room = "noisy", limit = 500 });
        var frame = await reader.ReceiveFrameAsync(WsClient.Timeout);
        Assert.NotNull(frame);
        Assert.True(frame.Length <= 65536, $"a history answer of {frame.Length} bytes");
        var page = JsonDocument.Parse(frame).RootElement;
        Assert.True(page.GetProperty("more").GetBoolean());
        var seqs = page.GetProperty("messages").EnumerateArray().Select(m => m.Long("seq")).ToList();
        Assert.Equal([5, 6], seqs); // the newest that fit, oldest first
        Assert.Equal(EscapedText, page.GetProperty("messages")[0].Str("text"));

        // Paging on from the first seq reaches the start; the last page says no more.
        var all = new List<long>(seqs);
        while (all[0] > 1)
        {
            await reader.SendAsync(new { type = "history", room = "noisy", before = all[0], limit = 500 });
            var older = await reader.ExpectAsync("history");
            all.InsertRange(0, older.GetProperty("messages").EnumerateArray().Select(m => m.Long("seq")));
            Assert.Equal(all[0] > 1, older.TryGetProperty("more", out _));
        }

        Assert.Equal([1, 2, 3, 4, 5, 6], all);
    }

    [Fact]
    public async Task AWhoAnswerIsCutToFitAndSaysMore()
    {
        // An answer of about 1 KB: some fifteen names of 60 characters.
        await using var server = await TestServer.StartAsync("ScaleChat:MaxBatchBytes=1024", "ScaleChat:Limits:MaxMessageBytes=1");
        var clients = new List<WsClient>();
        try
        {
            for (var i = 0; i < 30; i++)
            {
                clients.Add((await WsClient.HelloAsync(server.WsUrl, $"{i:D2}{new string('n', 58)}")).Client);
            }

            await clients[0].SendAsync(new { type = "who", room = "global" });
            var frame = await clients[0].ReceiveFrameAsync(WsClient.Timeout);
            Assert.NotNull(frame);
            Assert.True(frame.Length <= 1030, $"a who answer of {frame.Length} bytes");
            var answer = JsonDocument.Parse(frame).RootElement;
            Assert.True(answer.GetProperty("more").GetBoolean());
            Assert.InRange(answer.GetProperty("members").GetArrayLength(), 10, 16);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task AResumeTooLargeForTheSendBudgetIsNotReplayed()
    {
        await using var server = await TestServer.StartAsync([.. Unlimited, "ScaleChat:SendQueueBytes=131072"]);
        var (writer, welcome) = await WsClient.HelloAsync(server.RoomUrl("big"), "writer");
        await using var w = writer;
        var epoch = welcome.GetProperty("rooms").EnumerateArray().Single(r => r.Str("room") == "big").Str("epoch");
        for (var i = 0; i < 4; i++)
        {
            await writer.SendAsync(new { type = "send", room = "big", text = EscapedText, @ref = i });
            await writer.ExpectAsync("ack");
        }

        // Four messages of ~24.6 KB each are more than half of a 128 KiB budget.
        var (late, _) = await WsClient.HelloAsync(server.WsUrl, "late");
        await using var l = late;
        await late.SendAsync(new { type = "join", room = "big", after = new { seq = 0, epoch } });
        var joined = await late.ExpectAsync("joined");
        Assert.False(joined.GetProperty("recovered").GetBoolean());
        await writer.SendAsync(new { type = "send", room = "big", text = "after", @ref = 9 });
        Assert.Equal("after", (await late.ExpectAsync("message")).Str("text")); // the first message it sees: nothing was replayed

        // One of them fits: that resume is replayed.
        var (other, _) = await WsClient.HelloAsync(server.WsUrl, "other");
        await using var o = other;
        await other.SendAsync(new { type = "join", room = "big", after = new { seq = 3, epoch } });
        Assert.True((await other.ExpectAsync("joined")).GetProperty("recovered").GetBoolean());
        Assert.Equal(4, (await other.ExpectAsync("message")).Long("seq"));
    }

    [Fact]
    public async Task AClientThatNeverReadsIsClosedAtItsSendBudget()
    {
        await using var server = await TestServer.StartAsync([.. Unlimited, "ScaleChat:SendQueueBytes=131072"]);
        var (writer, _) = await WsClient.HelloAsync(server.RoomUrl("big"), "writer");
        await using var w = writer;
        for (var i = 0; i < 3; i++)
        {
            await writer.SendAsync(new { type = "send", room = "big", text = EscapedText, @ref = i });
            await writer.ExpectAsync("ack");
        }

        // A raw client with a small receive buffer that asks for ~64 KiB answers and never reads.
        using var sink = await RawWsClient.HelloAsync(server.HttpUrl, "sink", path: "/ws/big");
        sink.Socket.ReceiveBufferSize = 4096;
        for (var i = 0; i < 400; i++)
        {
            await sink.SendTextAsync("{\"type\":\"history\",\"room\":\"big\",\"limit\":500}");
        }

        // Closed as a slow consumer, and released within the close timeout although it never reads.
        await EventuallyAsync(() => Task.FromResult(server.OpenConnections()), open => open == 1, "the non-reader released");
        var text = await GetTextAsync(server, "/metrics");
        Assert.Equal(1, Sum(text, "scalechat_slow_consumer_disconnects_total"));
        Assert.Equal(1, Sum(text, "scalechat_connections_closed_total", "code=\"4008\""));
        Assert.Equal(0, Sum(text, "scalechat_send_queue_size_bytes"));
        Assert.True(await sink.WaitForServerCloseAsync(TimeSpan.FromSeconds(10)), "the server ends the connection of a client that does not read");
    }
}
