using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>Helpers of the observability tests: HTTP reads, traffic, the Prometheus text format, external tools.</summary>
public static partial class Observability
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The repository's root (where ScaleChat.slnx is).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public static Task<HttpResponseMessage> GetAsync(TestServer server, string path) => Http.GetAsync(new Uri(server.HttpUrl, path));

    public static async Task<string> GetTextAsync(TestServer server, string path)
    {
        using var response = await GetAsync(server, path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<JsonElement> GetStatsAsync(TestServer server) =>
        JsonDocument.Parse(await GetTextAsync(server, "/api/stats")).RootElement.Clone();

    /// <summary>
    /// Some of everything: two version-1 clients and a legacy one in a room, room and private
    /// messages, and a rate-limited burst. The clients stay open until disposed.
    /// </summary>
    public static async Task<Traffic> GenerateTrafficAsync(TestServer server, int messages = 20)
    {
        var (alice, _) = await WsClient.HelloAsync(server.RoomUrl("lobby"), "alice");
        var (bob, _) = await WsClient.HelloAsync(server.RoomUrl("lobby"), "bob");
        var legacy = await WsClient.ConnectAsync(server.RoomUrl("lobby"), subprotocol: null);
        for (var i = 0; i < messages; i++)
        {
            await alice.SendAsync(new { type = "send", room = "lobby", text = $"m{i}", @ref = i });
        }

        await legacy.SendTextAsync("{\"ClientId\":\"old-timer\",\"Message\":\"hi\"}");
        await alice.SendAsync(new { type = "send", to = "bob", text = "psst" });
        await alice.SendAsync(new { type = "send", to = "nobody", text = "anyone?" });
        for (var i = 0; i < messages; i++)
        {
            await bob.ExpectAsync("message");
        }

        return new Traffic([alice, bob, legacy]);
    }

    /// <summary>The samples of the Prometheus text format: (name with labels, value).</summary>
    public static List<(string Series, double Value)> ParseSamples(string text) =>
        [.. text.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => (line[..line.LastIndexOf(' ')], double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)))];

    /// <summary>The metric names in the text format (as on the TYPE lines and samples).</summary>
    public static HashSet<string> MetricNames(string text) =>
        [.. ParseSamples(text).Select(s => MetricName().Match(s.Series).Value)];

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public static double Sum(string text, string name, string labels = "") =>
        ParseSamples(text).Where(s => MetricName().Match(s.Series).Value == name && s.Series.Contains(labels, StringComparison.Ordinal)).Sum(s => s.Value);

    /// <summary>
    /// The full path of an external tool, or null when it is missing outside CI. In CI (CI=true) a
    /// missing tool fails the test: scripts/test.sh installs it.
    /// </summary>
    public static string? Tool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"{name} is missing; scripts/test.sh installs it");
        return null;
    }

    /// <summary>Runs a process to its end (bounded); returns its exit code and output.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string file, string arguments, string? stdin = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            WorkingDirectory = workingDirectory ?? RepositoryRoot,
        };
        using var process = Process.Start(info)!;
        try
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
                process.StandardInput.Close();
            }

            await process.WaitForExitAsync().WaitAsync(Timeout);
            return (process.ExitCode, await output + await error);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <summary>A free port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds (bounded).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (true)
        {
            var value = await read();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not in time; last value {value}");
            }

            await Task.Delay(200);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScaleChat.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ScaleChat.slnx not found above the test binaries");
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    /// <summary>The clients of <see cref="GenerateTrafficAsync"/>.</summary>
    public sealed class Traffic(IReadOnlyList<WsClient> clients) : IAsyncDisposable
    {
        public IReadOnlyList<WsClient> Clients { get; } = clients;

        public async ValueTask DisposeAsync()
        {
            foreach (var client in Clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
