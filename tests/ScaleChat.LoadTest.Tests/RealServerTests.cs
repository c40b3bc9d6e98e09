using ScaleChat.LoadTest.Tests.Infrastructure;

namespace ScaleChat.LoadTest.Tests;

/// <summary>The generator against the real server, which loses nothing: every delivery is counted.</summary>
public sealed class RealServerTests
{
    [Fact]
    public async Task AServerThatLosesNothingShowsZeroLossAndEveryDeliveryCounted()
    {
        await using var server = await TestServer.StartAsync();
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "40", "--rooms", "4", "--publishers", "8", "--rate", "40", "--warmup", "1s"));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(80, run.Long("sent"));
        Assert.Equal(80 * 10, run.Long("expected"));
        Assert.Equal(run.Long("expected"), run.Long("delivered"));
        Assert.Equal(0, run.Long("lost"));
        Assert.Equal(0, run.Long("duplicates"));
        Assert.Equal(0, run.Long("outOfOrder"));
        Assert.Equal(40, run.Long("connected"));
        Assert.Equal(0, run.Long("connectFailures"));
        Assert.True(run.LatencyMs("p50") > 0);
        Assert.True(run.LatencyMs("max") >= run.LatencyMs("p99"));
    }

    [Fact]
    public async Task PrivateMessagesAreExpectedAtTheAddresseeAndTheSender()
    {
        await using var server = await TestServer.StartAsync();
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "20", "--rooms", "2", "--publishers", "4", "--rate", "20", "--private", "1"));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(40, run.Long("sent"));
        Assert.Equal(80, run.Long("expected"));
        Assert.Equal(80, run.Long("delivered"));
        Assert.Equal(0, run.Long("lost"));
    }

    [Fact]
    public async Task TheLegacyFormatLoadsTheServerToo()
    {
        await using var server = await TestServer.StartAsync();
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "12", "--rooms", "3", "--publishers", "3", "--rate", "15", "--legacy"));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(30, run.Long("sent"));
        Assert.Equal(30 * 4, run.Long("delivered"));
        Assert.Equal(0, run.Long("lost"));
        Assert.Contains("legacy", run.Output);
    }

    [Fact]
    public async Task APlanOverTheServersRateLimitIsWarnedBeforeItStarts()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Limits:MessagesPerSecond=5", "ScaleChat:Limits:Burst=5");
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "4", "--rooms", "1", "--publishers", "1", "--rate", "20", "--duration", "1s"));

        var warning = run.Output.IndexOf("warning: each publisher would send 20 msg/s but the server allows 5/s", StringComparison.Ordinal);
        Assert.True(warning >= 0, run.Output + run.Error);
        Assert.True(warning < run.Output.IndexOf("clients 4/4", StringComparison.Ordinal), "the warning comes before the run");
        Assert.True(run.Json.GetProperty("errorsByCode").GetProperty("rate_limited").GetInt64() > 0);
    }

    private const string TokenSecret = "a-load-secret-of-at-least-32-bytes!";

    [Fact]
    public async Task ATokenModeServerIsLoadedWithATokenForEachClient()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:Secret={TokenSecret}");
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "20", "--rooms", "2", "--publishers", "4", "--rate", "20", "--token-secret", TokenSecret));

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Equal(20, run.Long("connected"));
        Assert.Equal(0, run.Long("connectFailures"));
        Assert.Equal(run.Long("expected"), run.Long("delivered"));
        Assert.True(run.Json.GetProperty("workload").GetProperty("tokens").GetBoolean());
    }

    [Fact]
    public async Task WithoutTheSecretATokenModeServerRefusesTheProbeWithAHint()
    {
        await using var server = await TestServer.StartAsync("ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:Secret={TokenSecret}");
        var run = await LoadCli.RunAsync(LoadCli.Short(server.WsUrl, "--clients", "4", "--rooms", "1"));

        Assert.Equal(2, run.ExitCode);
        Assert.True(run.Error.Trim() == "scalechat load: the server refused the hello: unauthorized (a server in token mode needs --token-secret)", run.Error);
    }
}
