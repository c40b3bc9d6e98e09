using Microsoft.Extensions.Time.Testing;
using ScaleChat.Server.Backplane;

namespace ScaleChat.Server.Tests.Backplane;

/// <summary>
/// Every disconnect renews its name's hold, so a renewal must not cost as much as every name held:
/// lapsed holds are swept at most once a second, and still do not pile up.
/// </summary>
public sealed class InMemoryNameHoldsTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ManyRenewalsWithinASecondSweepTheHoldsOnce()
    {
        var time = new FakeTimeProvider();
        var holds = new InMemoryNameHolds(time);
        for (var i = 0; i < 1_000; i++)
        {
            await holds.ClaimAsync($"user{i}", null, $"key{i}", Hold);
        }

        for (var i = 0; i < 1_000; i++)
        {
            await holds.RenewAsync([KeyValuePair.Create($"user{i}", $"key{i}")], Hold);
        }

        Assert.Equal(1, holds.Sweeps);
        time.Advance(TimeSpan.FromSeconds(1));
        await holds.RenewAsync([KeyValuePair.Create("user0", "key0")], Hold);
        Assert.Equal(2, holds.Sweeps);
    }

    [Fact]
    public async Task LapsedHoldsAreSweptAndHoldNothingUntilThen()
    {
        var time = new FakeTimeProvider();
        var holds = new InMemoryNameHolds(time);
        await holds.RenewAsync([], Hold); // a sweep now: the next is a second away
        for (var i = 0; i < 100; i++)
        {
            await holds.ClaimAsync($"user{i}", null, $"key{i}", TimeSpan.FromMilliseconds(100));
        }

        time.Advance(TimeSpan.FromMilliseconds(200));
        await holds.RenewAsync([KeyValuePair.Create("alice", "a")], Hold);
        Assert.Equal(101, holds.Count); // lapsed, not yet swept
        Assert.Equal("other", await holds.ClaimAsync("user1", "wrong", "other", Hold)); // and free to claim

        time.Advance(TimeSpan.FromSeconds(1));
        await holds.RenewAsync([KeyValuePair.Create("alice", "a")], Hold);
        Assert.Equal(2, holds.Count); // alice and the new claim of user1
    }
}
