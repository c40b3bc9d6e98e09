using System.Diagnostics;
using System.Text;

namespace ScaleChat.Backplane.Redis.Tests.Infrastructure;

/// <summary>A `scalechat serve` node in a child process on a free loopback port, to be killed like a crashed node.</summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process, int port)
    {
        _process = process;
        WsUrl = new Uri($"ws://127.0.0.1:{port}/ws");
    }

    public Uri WsUrl { get; }

    /// <summary>What the node wrote, for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts `scalechat serve` with <paramref name="arguments"/> after its address.</summary>
    public static async Task<NodeProcess> StartAsync(IEnumerable<string> arguments)
    {
        var port = RedisProcess.FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "scalechat.dll"), "serve", "--urls", $"http://127.0.0.1:{port}" }
            .Concat(arguments))
        {
            info.ArgumentList.Add(arg);
        }

        var node = new NodeProcess(Process.Start(info)!, port);
        node._process.OutputDataReceived += (_, e) => node.Append(e.Data);
        node._process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        node._process.BeginOutputReadLine();
        node._process.BeginErrorReadLine();
        try
        {
            await RedisProcess.WaitForPortAsync(port, TimeSpan.FromSeconds(60));
        }
        catch (Exception ex)
        {
            await node.DisposeAsync();
            throw new InvalidOperationException($"the node did not start: {node.Output}", ex);
        }

        return node;
    }

    /// <summary>Kills the node at once (SIGKILL): no goodbye to its clients or to Redis.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
