using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace ScaleChat.Benchmarks;

/// <summary>
/// A server build started as a process of its own (<c>dotnet scalechat.dll serve</c>), so that its
/// memory is measured alone and two builds can be compared: its RSS from /proc, its own figures
/// from <c>/api/stats</c> and <c>/metrics</c>. Stopped by its PID, SIGTERM first.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly StreamWriter? _log;
    private readonly Task _output;

    private ServerProcess(Process process, int port, StreamWriter? log)
    {
        _process = process;
        _log = log;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        _output = Task.WhenAll(CopyAsync(process.StandardOutput), CopyAsync(process.StandardError));
    }

    /// <summary>The server's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>Its WebSocket endpoint.</summary>
    public Uri WebSocketUrl => new($"ws://127.0.0.1:{Port}/ws");

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/> serve</c> on 127.0.0.1 with the given
    /// <c>--ScaleChat:Key=value</c> settings and waits until <c>/healthz</c> answers.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string dll, int port, IEnumerable<string> settings, string? logPath)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"no server build at {dll} (dotnet publish src/ScaleChat.Cli -c Release -o DIR)", dll);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var setting in settings)
        {
            start.ArgumentList.Add(setting.StartsWith("--", StringComparison.Ordinal) ? setting : "--" + setting);
        }

        var log = logPath is null ? null : new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var server = new ServerProcess(process, port, log);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ReadyTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server exited at start with code {process.ExitCode}");
            }

            try
            {
                using var response = await server._http.GetAsync(new Uri("healthz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        await server.DisposeAsync();
        throw new TimeoutException($"the server did not answer /healthz within {ReadyTimeout.TotalSeconds} s");
    }

    /// <summary>A loopback port nobody listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>VmRSS and VmHWM (peak RSS over the process's life) from /proc/PID/status, in bytes.</summary>
    public (long Rss, long Hwm) Memory()
    {
        long rss = 0, hwm = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = Kilobytes(line);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return (rss, hwm);

        static long Kilobytes(string line) =>
            1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>The server's <c>/api/stats</c>, or null when it does not answer.</summary>
    public async Task<ServerStats?> StatsAsync()
    {
        try
        {
            var json = await _http.GetStringAsync(new Uri("api/stats", UriKind.Relative));
            return ServerStats.Parse(json);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    /// <summary>The <c>scalechat_*</c> lines of <c>/metrics</c> whose name has one of <paramref name="words"/>.</summary>
    public async Task<List<string>> MetricsAsync(params string[] words)
    {
        try
        {
            var text = await _http.GetStringAsync(new Uri("metrics", UriKind.Relative));
            return [.. text.Split('\n').Where(line => line.StartsWith("scalechat_", StringComparison.Ordinal)
                && words.Any(w => line.Split('{', ' ')[0].Contains(w, StringComparison.Ordinal)))];
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return [];
        }
    }

    /// <summary>Stops the server: SIGTERM to its PID, then SIGKILL if it has not gone in time.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }

        await _output;
        _process.Dispose();
        _http.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }
    }

    private async Task CopyAsync(StreamReader reader)
    {
        // Always read, so a chatty server never blocks on a full pipe; keep it only when asked.
        while (await reader.ReadLineAsync() is { } line)
        {
            if (_log is not null)
            {
                lock (_log)
                {
                    _log.WriteLine(line);
                }
            }
        }
    }
}

/// <summary>The figures of <c>/api/stats</c> that matter for memory over time (the whole text kept too).</summary>
internal sealed record ServerStats(
    long Connections, long Rooms, long Users, long HistoryMessages, long GcHeapBytes, long SendQueueBytes,
    long SendQueueMaxBytes, long SlowDisconnects, long Opened, long Closed, string Json)
{
    public static ServerStats Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        long Get(params string[] path)
        {
            var element = root;
            foreach (var name in path)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
                {
                    return -1;
                }
            }

            return element.ValueKind == JsonValueKind.Number ? (long)element.GetDouble() : -1;
        }

        return new ServerStats(
            Get("connections", "total"), Get("rooms"), Get("users"), Get("historyMessages"), Get("process", "gcHeapBytes"),
            Get("sendQueue", "bytes"), Get("sendQueue", "maxBytes"), Get("sendQueue", "slowDisconnects"),
            Get("connections", "opened"), Get("connections", "closed"), json);
    }
}
