namespace ScaleChat.Client.Tests;

public class BackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(100), Max = TimeSpan.FromSeconds(5);

    [Fact]
    public void DelaysDoubleWithEachAttemptWithinAJitteredHalf()
    {
        var random = new Random(1);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var ceiling = 100 * Math.Pow(2, attempt - 1);
            var delay = Backoff.Delay(attempt, Min, Max, random).TotalMilliseconds;
            Assert.InRange(delay, ceiling / 2, ceiling);
        }
    }

    [Fact]
    public void DelaysNeverExceedTheMaximum()
    {
        var random = new Random(2);
        Assert.All(Enumerable.Range(1, 100), attempt => Assert.InRange(Backoff.Delay(attempt, Min, Max, random), TimeSpan.Zero, Max));
        Assert.InRange(Backoff.Delay(60, Min, Max, random), Max / 2, Max);
    }

    [Fact]
    public void ClientsReconnectingTogetherAreSpreadOut()
    {
        var random = new Random(3);
        var delays = Enumerable.Range(0, 50).Select(_ => Backoff.Delay(4, Min, Max, random)).Distinct().Count();
        Assert.True(delays > 40, $"only {delays} distinct delays");
    }

    [Fact]
    public void ByDefaultAClientTriesAgainWithinFiveSecondsHoweverLongTheOutage()
    {
        var options = new ChatClientOptions { Url = new Uri("ws://127.0.0.1:1/ws"), Name = "alice" };
        var random = new Random(4);
        var delays = Enumerable.Range(1, 200).Select(attempt => Backoff.Delay(attempt, options.ReconnectMinDelay, options.ReconnectMaxDelay, random)).ToList();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(5)));
        Assert.True(delays.Skip(50).Distinct().Count() > 100, "late attempts keep their jitter");
    }
}
