using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ScaleChat.Backplane.Redis.Tests.Infrastructure;

/// <summary>
/// A redis-server child process on a free loopback port, which a test may kill (by its PID) and
/// start again on the same port. With <c>persistent</c>, every write is in the append-only file
/// before Redis answers, so a restart keeps the history.
/// </summary>
public sealed class RedisProcess : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scalechat-redis-").FullName;
    private readonly bool _persistent;
    private Process? _process;

    private RedisProcess(int port, bool persistent)
    {
        Port = port;
        _persistent = persistent;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Starts a redis-server, or returns null when there is none on this machine.</summary>
    public static async Task<RedisProcess?> TryStartAsync(bool persistent)
    {
        var redis = new RedisProcess(FreePort(), persistent);
        try
        {
            await redis.StartAsync();
            return redis;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            redis.Dispose();
            return null;
        }
    }

    /// <summary>Starts a redis-server for one test; fails (never skips) when there is none.</summary>
    public static async Task<RedisProcess> StartOwnAsync(bool persistent) =>
        await TryStartAsync(persistent) ?? throw new InvalidOperationException(
            "this test starts its own redis-server, and there is none on this machine (install redis-server)");

    /// <summary>Starts (again) on the same port and waits until it answers.</summary>
    public async Task StartAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", _persistent ? "yes" : "no", "--appendfsync", "always", "--dir", _dir,
        })
        {
            info.ArgumentList.Add(arg);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitForPortAsync(Port, TimeSpan.FromSeconds(10));
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts connections on the loopback port.</summary>
    public static async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(1));
                return;
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
