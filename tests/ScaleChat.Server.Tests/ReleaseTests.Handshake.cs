using System.Diagnostics;
using System.Net;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// The HTTP handshake ends too, on both ways of accepting an upgrade (the lean path and the HTTP
/// pipeline): a client that never finishes its request head is dropped in time, an oversized or
/// outdated upgrade request is refused as Kestrel refuses any other request, and a page of another
/// origin is refused.
/// </summary>
public sealed partial class ReleaseTests
{
    // Kestrel's defaults: KestrelServerLimits.MaxRequestHeadersTotalSize and MaxRequestHeaderCount.
    private const int MaxHeadBytes = 32 * 1024, MaxHeaderCount = 100;

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ASocketThatSendsOneByteIsClosedWithinTheHandshakeTimeout(bool lean)
    {
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}", "ScaleChat:HandshakeTimeout=00:00:01");
        using var slow = await RawWsClient.OpenAsync(server.HttpUrl);
        await slow.SendRawAsync("G"u8.ToArray());
        var watch = Stopwatch.StartNew();

        var within = HandshakeTimeout + TimeSpan.FromSeconds(2.5);
        Assert.True(await slow.WaitForServerCloseAsync(within),
            $"a socket that sent one byte was still open {watch.Elapsed.TotalSeconds:F1} s later (HandshakeTimeout is {HandshakeTimeout.TotalSeconds} s)");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ABrowserUpgradeIsAcceptedOnlyFromTheServersOwnOriginOrAnAllowedOne(bool lean)
    {
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}", "ScaleChat:AllowedOrigins=https://chat.example.com");
        var cases = new (string? Origin, int Status)[]
        {
            ($"http://{server.HttpUrl.Authority}", 101), // the page the server serves itself
            ("https://chat.example.com", 101),
            (null, 101), // not a browser
            ("http://evil.example", 403),
            ($"http://{server.HttpUrl.Host}:1", 403), // same host, another port: another origin
            ("null", 403), // a sandboxed page or a file
        };
        foreach (var (origin, status) in cases)
        {
            using var client = await RawWsClient.OpenAsync(server.HttpUrl);
            var head = await client.UpgradeAsync(new RawUpgrade { ExtraHeaders = origin is null ? [] : [$"Origin: {origin}"] });
            Assert.True(status == head.Status, $"Origin {origin ?? "(none)"}: {head.StatusLine}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnUpgradeWithARequestHeadOver32KilobytesGets431(bool lean)
    {
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}");
        // Ten headers of 4 KB: under the header count, over the total size.
        var padding = Enumerable.Range(0, 10).Select(i => $"X-Padding-{i}: {new string('p', 4 * 1024)}").ToList();
        Assert.True(padding.Sum(p => p.Length) > MaxHeadBytes);

        await AssertEveryUpgradeGets431Async(server, new RawUpgrade { ExtraHeaders = padding }, $"a {MaxHeadBytes / 1024} KB+ head");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnUpgradeWithMoreThan100HeadersGets431(bool lean)
    {
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}");
        var many = Enumerable.Range(0, MaxHeaderCount + 1).Select(i => $"X-Header-{i}: {i}").ToList();

        await AssertEveryUpgradeGets431Async(server, new RawUpgrade { ExtraHeaders = many }, $"{many.Count + 5} headers");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnUpgradeOverHttp10IsRefused(bool lean)
    {
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}");

        var head = await UpgradeWithAsync(server, new RawUpgrade { HttpVersion = "HTTP/1.0" });

        Assert.True(head.Status is >= 400 and < 500, $"an upgrade over HTTP/1.0 was answered '{head.StatusLine}', not a 4xx");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task HealthAndReadinessAnswerAtTheConnectionCeilingWhileSocketsSitHalfOpen(bool lean)
    {
        const int max = 20;
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}", $"ScaleChat:MaxConnections={max}");
        var clients = new List<WsClient>();
        var halfOpen = new List<RawWsClient>();
        try
        {
            for (var i = 0; i < max; i++)
            {
                clients.Add((await WsClient.HelloAsync(server.WsUrl, $"user{i}")).Client);
            }

            Assert.Equal(503, (await UpgradeWithAsync(server, new RawUpgrade())).Status); // at the ceiling
            for (var i = 0; i < max; i++)
            {
                var socket = await RawWsClient.OpenAsync(server.HttpUrl);
                halfOpen.Add(socket);
                await socket.SendRawAsync("G"u8.ToArray());
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            foreach (var path in new[] { "/healthz", "/readyz" })
            {
                using var response = await http.GetAsync(new Uri(server.HttpUrl, path));
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            halfOpen.ForEach(s => s.Dispose());
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="upgrade"/> ten times, each on a new connection: how the head is cut into
    /// reads varies from one connection to the next, and every one must be refused.
    /// </summary>
    private static async Task AssertEveryUpgradeGets431Async(TestServer server, RawUpgrade upgrade, string what)
    {
        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add((await UpgradeWithAsync(server, upgrade)).StatusLine);
        }

        var wrong = answers.Where(a => !a.Contains(" 431 ", StringComparison.Ordinal)).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {answers.Count} upgrades with {what} were not answered 431: {string.Join(", ", wrong.Distinct())}");
    }

    /// <summary>Sends <paramref name="upgrade"/> on a new connection and returns the answer's head (status 0 if it was dropped unanswered).</summary>
    private static async Task<HttpHead> UpgradeWithAsync(TestServer server, RawUpgrade upgrade)
    {
        using var client = await RawWsClient.OpenAsync(server.HttpUrl);
        try
        {
            return await client.UpgradeAsync(upgrade);
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            return new HttpHead(0, $"(connection ended with no answer: {ex.SocketErrorCode})", new Dictionary<string, string>());
        }
    }
}
