using ScaleChat.LoadTest.Tests.Infrastructure;

namespace ScaleChat.LoadTest.Tests;

/// <summary>Several worker processes, one report.</summary>
public sealed class WorkerTests
{
    [Fact]
    public async Task TwoWorkersShareTheClientsAndMergeIntoOneReport()
    {
        await using var server = await TestServer.StartAsync();
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "40", "--rooms", "4", "--publishers", "8", "--rate", "40", "--workers", "2"),
            timeout: TimeSpan.FromSeconds(90));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(40, run.Long("connected"));
        Assert.Equal(80, run.Long("sent"));
        Assert.Equal(800, run.Long("expected"));
        Assert.Equal(800, run.Long("delivered"));
        Assert.Equal(800, run.Json.GetProperty("latencyMs").GetProperty("count").GetInt64());
        Assert.Equal(2, run.Json.GetProperty("workload").GetProperty("workers").GetInt32());
        Assert.Contains("clients 40/40", run.Output);
    }

    [Fact]
    public async Task EachWorkerIsPinnedToACoreOfItsOwnWhenThereAreEnoughAndItsRawRowsJoinOneFile()
    {
        await using var server = await TestServer.StartAsync();
        var raw = Path.Combine(Path.GetTempPath(), $"scalechat-raw-{Guid.NewGuid():N}.csv");
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "20", "--rooms", "2", "--publishers", "4", "--rate", "20", "--workers", "2", "--raw", raw),
            timeout: TimeSpan.FromSeconds(90));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var cores = run.Json.GetProperty("generator").GetProperty("workerCores").EnumerateArray().Select(c => c.GetString()!).ToList();
        Assert.Equal(2, cores.Count);
        if (Environment.ProcessorCount >= 2)
        {
            Assert.Equal(2, cores.Distinct().Count());
            Assert.All(cores, c => Assert.True(int.TryParse(c, out _), c));
        }

        var rows = File.ReadAllLines(raw).Select(l => l.Split(',')).ToList();
        Assert.Equal(run.Long("sent"), rows.Count(r => r[3] == "Sent"));
        Assert.Equal(run.Long("delivered"), rows.Count(r => r[3] == "Received"));
        Assert.False(File.Exists(raw + ".part0"));
        File.Delete(raw);
    }

    [Fact]
    public async Task TheSummaryAndTheHtmlReportSayWhichCoreEachWorkerUsed()
    {
        await using var server = await TestServer.StartAsync();
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "8", "--rooms", "2", "--publishers", "2", "--rate", "10", "--duration", "1s", "--workers", "2"),
            timeout: TimeSpan.FromSeconds(90));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        var cores = run.Json.GetProperty("generator").GetProperty("workerCores").EnumerateArray().Select(c => c.GetString()!).ToList();
        var placement = string.Join(", ", cores.Select((c, i) => c == "any" ? $"worker {i} not pinned (any core)" : $"worker {i} on core {c}"));
        Assert.Contains($"  {"workers",-22} {placement}\n", run.Output);
        Assert.Contains($"<p>2 worker processes: {placement}.</p>", run.Html);
    }
}
