using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ScaleChat.Cli.Load;
using ScaleChat.LoadTest.Running;
using ScaleChat.LoadTest.Tests.Infrastructure;

namespace ScaleChat.LoadTest.Tests;

/// <summary>The interface scripts and containers depend on: flags, variables, exit codes, report files.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--clients", "many", "--clients must be a whole number")]
    [InlineData("--duration", "forever", "--duration must be a duration")]
    [InlineData("--private", "2", "--private must be a share between 0 and 1")]
    [InlineData("--slo", "p99 about 50ms", "--slo term")]
    [InlineData("--search", "users", "--search must be 'clients' or 'rate'")]
    [InlineData("--url", "http://localhost:8080/ws", "--url must be a ws:// or wss:// URL")]
    [InlineData("--token-secret", "too-short", "--token-secret must be at least 32 bytes")]
    [InlineData("--token-issuer", "me", "--token-issuer and --token-audience need --token-secret")]
    public async Task ABadFlagGetsOneLineAndExitCodeTwo(string flag, string value, string message)
    {
        var run = await LoadCli.RunAsync([flag, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith($"scalechat load: {message}", run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task AnUnreachableServerGetsOneLineAndExitCodeTwo()
    {
        var run = await LoadCli.RunAsync(["--url", $"ws://127.0.0.1:{FreePort()}/ws", "--duration", "1s"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Matches("^scalechat load: cannot reach the server at ws://127.0.0.1:[0-9]+/ws: connection refused$", run.Error.Trim());
    }

    [Fact]
    public void EnvironmentVariablesSetTheWorkloadAndAFlagWinsOverItsVariable()
    {
        var environment = new Dictionary<string, string>
        {
            ["SCALECHAT_LOAD_CLIENTS"] = "70",
            ["SCALECHAT_LOAD_ROOMS"] = "7",
            ["SCALECHAT_LOAD_RATE"] = "33",
            ["SCALECHAT_LOAD_SIZE"] = "100-200",
            ["SCALECHAT_LOAD_DURATION"] = "2m",
            ["SCALECHAT_LOAD_LEGACY"] = "true",
            ["SCALECHAT_LOAD_URL"] = "ws://127.0.0.1:1/ws",
        };
        string? Flag(string name) => name == "rooms" ? "5" : null;

        var settings = LoadArguments.Resolve(Flag, environment.GetValueOrDefault, out var error);

        Assert.Null(error);
        Assert.NotNull(settings);
        Assert.Equal(70, settings.Clients);
        Assert.Equal(5, settings.Rooms);
        Assert.Equal(33, settings.Rate);
        Assert.Equal((100, 200), (settings.SizeMin, settings.SizeMax));
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Duration);
        Assert.True(settings.Legacy);
        Assert.Equal(new Uri("ws://127.0.0.1:1/ws"), settings.Url);
        Assert.Equal(7, settings.Publishers);
    }

    [Fact]
    public void TheTokenFlagsHaveVariablesWithUnderscores()
    {
        var environment = new Dictionary<string, string>
        {
            ["SCALECHAT_LOAD_TOKEN_SECRET"] = "a-load-secret-of-at-least-32-bytes!",
            ["SCALECHAT_LOAD_TOKEN_ISSUER"] = "issuer",
        };
        string? Flag(string name) => name == "token-audience" ? "audience" : null;

        var settings = LoadArguments.Resolve(Flag, environment.GetValueOrDefault, out var error);

        Assert.Null(error);
        Assert.Equal(("a-load-secret-of-at-least-32-bytes!", "issuer", "audience"), (settings!.TokenSecret, settings.TokenIssuer, settings.TokenAudience));
        Assert.Equal("SCALECHAT_LOAD_TOKEN_SECRET", LoadArguments.VariableOf("token-secret"));
    }

    [Fact]
    public async Task TokensAreRefusedWithTheLegacyFormat()
    {
        var run = await LoadCli.RunAsync(["--legacy", "--token-secret", "a-load-secret-of-at-least-32-bytes!"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("scalechat load: --token-secret needs version 1: a server in token mode refuses the legacy format", run.Error.Trim());
    }

    [Fact]
    public async Task ABadVariableIsNamedInItsOneLineMessage()
    {
        var run = await LoadCli.RunAsync([], new Dictionary<string, string> { ["SCALECHAT_LOAD_RATE"] = "fast" });

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("scalechat load: SCALECHAT_LOAD_RATE must be messages per second in total, e.g. 500, not 'fast'", run.Error.Trim());
    }

    [Fact]
    public async Task TheReportDirectoryHoldsJsonHtmlAndATimeSeries()
    {
        await using var server = await TestServer.StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), "scalechat-load-tests", Guid.NewGuid().ToString("N"));
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "10", "--rooms", "2", "--publishers", "2", "--rate", "10", "--report", directory));

        Assert.Equal(0, run.ExitCode);
        foreach (var field in new[] { "sent", "expected", "delivered", "lost", "duplicates", "outOfOrder", "deliveriesPerSecond", "connected", "connectFailures" })
        {
            Assert.True(run.Json.TryGetProperty(field, out _), field);
        }

        foreach (var field in new[] { "p50", "p90", "p99", "p999", "max" })
        {
            Assert.True(run.Json.GetProperty("latencyMs").TryGetProperty(field, out _), field);
        }

        Assert.Equal(10, run.Json.GetProperty("workload").GetProperty("clients").GetInt32());
        Assert.True(run.Json.TryGetProperty("errorsByCode", out _));
        Assert.True(run.Json.TryGetProperty("closesByCode", out _));
        var html = await File.ReadAllTextAsync(Path.Combine(directory, "report.html"));
        Assert.Contains("<svg", html);
        Assert.DoesNotContain("http://", html.Replace(server.WsUrl.ToString().Replace("ws://", "http://"), ""));
        Assert.DoesNotContain("<script src", html);
        Assert.Contains("Messages sent and delivered (per second)", html);
        Assert.DoesNotContain("per second (per second)", html);
        var csv = await File.ReadAllLinesAsync(Path.Combine(directory, "timeseries.csv"));
        Assert.StartsWith("second,phase,connected,sentPerSecond,deliveredPerSecond,p50Ms", csv[0]);
        Assert.True(csv.Length >= 3, "a row per second");
        Assert.Matches(@"\[ +[0-9]+s measure\] clients 10/10  sent/s", run.Output);
    }

    [Fact]
    public async Task TheExecutableRefusesAnUnknownFlagWithOneLine()
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "scalechat.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { cli, "load", "--nonsense", "1" })
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, process.ExitCode);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains("--nonsense", error);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("1", true)]
    public async Task TheGeneratorRunsWithoutTieredCompilationUnlessItIsAskedFor(string? tiering, bool expected)
    {
        await using var server = await TestServer.StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), "scalechat-load-tests", Guid.NewGuid().ToString("N"));
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "scalechat.dll"));
        foreach (var argument in LoadCli.Short(server.WsUrl, "--clients", "4", "--rooms", "1", "--publishers", "1", "--rate", "10", "--duration", "1s", "--report", directory))
        {
            info.ArgumentList.Add(argument);
        }

        info.ArgumentList.Insert(1, "load");
        info.Environment.Remove(GeneratorProcess.TieringVariable);
        if (tiering is not null)
        {
            info.Environment[GeneratorProcess.TieringVariable] = tiering;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(process.ExitCode == 0, await output + await error);
        var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "report.json"))).RootElement;
        Assert.Equal(expected, report.GetProperty("generator").GetProperty("tieredCompilation").GetBoolean());
        Assert.Equal(40, report.GetProperty("delivered").GetInt64());
        Assert.Equal(expected, (await output).Contains("tiered compilation on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheSamplerRunsOnAThreadOfItsOwnAtTheLowestPriority()
    {
        await using var server = await TestServer.StartAsync();
        var run = LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "4", "--rooms", "1", "--publishers", "1", "--rate", "10", "--duration", "3s"));

        // The sampler is a thread of its own, at the lowest priority (nice 19), while the run goes on.
        int? nice = null;
        for (var waited = 0; nice is null && waited < 200 && !run.IsCompleted; waited++)
        {
            nice = NiceOfThread("load sampler");
            await Task.Delay(50);
        }

        Assert.Equal(0, (await run).ExitCode);
        Assert.Equal(19, nice);
    }

    private static int? NiceOfThread(string name)
    {
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == name)
                {
                    // Fields after the name in parentheses: state is field 3, nice field 19.
                    var stat = File.ReadAllText(Path.Combine(task, "stat"));
                    return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // The thread ended while we looked.
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
