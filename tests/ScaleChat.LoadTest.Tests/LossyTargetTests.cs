using ScaleChat.LoadTest.Tests.Infrastructure;

namespace ScaleChat.LoadTest.Tests;

/// <summary>The generator against a target that misbehaves on purpose: what it reports is what was done.</summary>
public sealed class LossyTargetTests
{
    [Fact]
    public async Task ATargetThatDropsEveryTenthMessageIsReportedWithExactlyThatLoss()
    {
        await using var target = await LossyServer.StartAsync(new LossyOptions { DropEvery = 10 });
        var run = await LoadCli.RunAsync(LoadCli.Short(target.WsUrl, "--clients", "30", "--rooms", "3", "--publishers", "6", "--rate", "30"));

        Assert.Equal(60, run.Long("sent"));
        Assert.Equal(60, target.Sends);
        Assert.Equal(6, target.Dropped);
        Assert.Equal(60 * 10, run.Long("expected"));
        Assert.Equal(target.Dropped * 10, run.Long("lost"));
        Assert.Equal(run.Long("expected") - run.Long("lost"), run.Long("delivered"));
        Assert.Equal(0, run.Long("duplicates"));
        Assert.Equal(0.1, run.Json.GetProperty("lossRatio").GetDouble(), 3);
    }

    [Fact]
    public async Task ATargetThatDelaysEveryDeliveryShowsThatDelayInTheLatency()
    {
        await using var target = await LossyServer.StartAsync(new LossyOptions { Delay = TimeSpan.FromMilliseconds(150) });
        var run = await LoadCli.RunAsync(LoadCli.Short(target.WsUrl, "--clients", "10", "--rooms", "2", "--publishers", "4", "--rate", "8"));

        Assert.Equal(0, run.Long("lost"));
        Assert.True(run.LatencyMs("p50") >= 150, $"p50 {run.LatencyMs("p50")} ms");
        Assert.True(run.LatencyMs("p50") < 1000, $"p50 {run.LatencyMs("p50")} ms");
    }

    [Fact]
    public async Task AStalledTargetShowsAsLatencyNotAsFewerSends()
    {
        // Open model: while the target stalls for a second, messages keep their schedule, and
        // every one sent during the stall carries the wait since its own scheduled time.
        await using var target = await LossyServer.StartAsync(new LossyOptions { StallAt = 10, StallFor = TimeSpan.FromSeconds(1) });
        var run = await LoadCli.RunAsync(LoadCli.Short(target.WsUrl, "--clients", "10", "--rooms", "1", "--publishers", "10", "--rate", "20", "--duration", "3s"));

        Assert.Equal(60, run.Long("sent"));
        Assert.Equal(0, run.Long("lost"));
        Assert.True(run.LatencyMs("max") >= 900, $"max {run.LatencyMs("max")} ms");
        Assert.True(run.LatencyMs("p90") >= 300, $"p90 {run.LatencyMs("p90")} ms: a closed loop would hide the stall behind one slow message");
    }

    [Fact]
    public async Task ABrokenSloFailsTheExitCodeAndAMetOnePassesIt()
    {
        await using var target = await LossyServer.StartAsync(new LossyOptions { DropEvery = 10 });
        var broken = await LoadCli.RunAsync(LoadCli.Short(target.WsUrl, "--clients", "10", "--rooms", "1", "--publishers", "2", "--rate", "10", "--slo", "p99<5s,loss=0"));
        var met = await LoadCli.RunAsync(LoadCli.Short(target.WsUrl, "--clients", "10", "--rooms", "1", "--publishers", "2", "--rate", "10", "--slo", "p99<5s,loss%<=10.5"));

        Assert.Equal(1, broken.ExitCode);
        Assert.False(broken.Json.GetProperty("slo").GetProperty("passed").GetBoolean());
        Assert.Contains("SLO p99<5s,loss=0: BROKEN", broken.Output);
        Assert.Equal(0, met.ExitCode);
        Assert.True(met.Json.GetProperty("slo").GetProperty("passed").GetBoolean());
    }

    [Fact]
    public async Task ACapacitySearchReportsTheLargestStepThatHeld()
    {
        // The target drops everything once more than 10 clients are connected: 3 and 6 hold, 12 breaks.
        await using var target = await LossyServer.StartAsync(new LossyOptions { DropAllAbove = 10 });
        var run = await LoadCli.RunAsync(LoadCli.Short(target.WsUrl, "--clients", "3", "--rooms", "1", "--publishers", "1", "--rate", "5",
            "--duration", "1s", "--drain", "1s", "--search", "clients:2:4", "--slo", "loss=0"), timeout: TimeSpan.FromSeconds(90));

        var search = run.Json.GetProperty("search");
        Assert.True(run.ExitCode == 0, "a search in which a step held exits 0");
        Assert.Equal(6, search.GetProperty("largestHeld").GetDouble());
        var steps = search.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(3, steps.Count);
        Assert.Equal([true, true, false], steps.Select(s => s.GetProperty("passed").GetBoolean()));
        Assert.Equal(6, run.Json.GetProperty("workload").GetProperty("clients").GetInt32());
        Assert.Contains("largest clients that held: 6", run.Output);
    }
}
