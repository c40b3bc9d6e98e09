using System.Diagnostics;
using System.Text.RegularExpressions;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>`scalechat serve` as users run it: a child process, stopped with SIGTERM.</summary>
public sealed partial class ServeCommandTests
{
    [Fact]
    public async Task SigtermClosesClientsWith1001AndExitsWithZero()
    {
        using var server = StartServe("--urls", "http://127.0.0.1:0", "--node", "cli-node");
        var output = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        server.BeginOutputReadLine();
        try
        {
            var http = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var (client, welcome) = await WsClient.HelloAsync(new Uri($"ws://{http.Authority}/ws"), "alice");
            await using var _ = client;
            Assert.Equal("cli-node", welcome.Str("node"));

            using (var kill = Process.Start("kill", ["-TERM", server.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }

            Assert.Equal(1001, (await client.ExpectCloseAsync(TimeSpan.FromSeconds(20))).Code);
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, server.ExitCode);
            lock (output)
            {
                Assert.Contains(output, line => line.Contains("open-file limit", StringComparison.Ordinal) && line.Contains("connections", StringComparison.Ordinal));
            }
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }
        }
    }

    [Fact]
    public async Task ABadSettingGivesOneLineAndExitCodeTwo()
    {
        using var server = StartServe("--urls", "http://127.0.0.1:0", "--ScaleChat:HistorySize=-5");
        var stderr = server.StandardError.ReadToEndAsync();
        await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(2, server.ExitCode);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("scalechat serve:", lines[0], StringComparison.Ordinal);
        Assert.Contains("HistorySize", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task LegacyLimitsRaiseTheRateAndSizeLimitsAndASettingStillWins()
    {
        using var server = StartServe("--urls", "http://127.0.0.1:0", "--legacy-limits", "--ScaleChat:Limits:Burst=3000");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        server.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        };
        server.BeginOutputReadLine();
        try
        {
            var http = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var (client, welcome) = await WsClient.HelloAsync(new Uri($"ws://{http.Authority}/ws"), "alice");
            await using var _ = client;
            var limits = welcome.GetProperty("limits");
            Assert.Equal((1000, 3000, 65536, 262144), (limits.GetProperty("messagesPerSecond").GetInt32(), limits.GetProperty("burst").GetInt32(),
                limits.GetProperty("maxMessageBytes").GetInt32(), limits.GetProperty("maxFrameBytes").GetInt32()));

            // A legacy text of 5,000 bytes, over the usual limit, is delivered.
            await using var legacy = await WsClient.ConnectAsync(new Uri($"ws://{http.Authority}/ws"), subprotocol: null);
            await legacy.SendTextAsync($"{{\"clientId\":\"old\",\"message\":\"{new string('x', 5000)}\"}}");
            var frame = await legacy.ReceiveFrameAsync(WsClient.Timeout);
            Assert.Contains(new string('x', 5000), frame, StringComparison.Ordinal);
        }
        finally
        {
            server.Kill();
        }
    }

    private static Process StartServe(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "scalechat.dll"));
        start.ArgumentList.Add("serve");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Logging__Console__FormatterName"] = "simple";
        return Process.Start(start)!;
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
