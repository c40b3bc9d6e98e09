using ScaleChat.LoadTest.Tests.Infrastructure;
using ScaleChat.Server.Tests.Infrastructure;

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
}
