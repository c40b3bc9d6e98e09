using Microsoft.Extensions.Time.Testing;
using ScaleChat.Server.Connections;

namespace ScaleChat.Server.Tests;

/// <summary>The per-connection rate limit (docs/protocol.md, section 10) on a clock the test moves.</summary>
public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _time = new();

    private static int Take(ref TokenBucket bucket, int tries)
    {
        var taken = 0;
        for (var i = 0; i < tries; i++)
        {
            taken += bucket.TryTake() ? 1 : 0;
        }

        return taken;
    }

    [Fact]
    public void AFullBucketGivesItsBurstAtOnceAndThenNothing()
    {
        var bucket = new TokenBucket(ratePerSecond: 10, burst: 5, _time);
        Assert.Equal(5, Take(ref bucket, 6));
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void TokensComeBackAtTheSteadyRate()
    {
        var bucket = new TokenBucket(ratePerSecond: 10, burst: 5, _time);
        Take(ref bucket, 5);
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Take(ref bucket, 3));
        _time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(3, Take(ref bucket, 5));
    }

    [Fact]
    public void PartsOfATokenAddUpAcrossTakes()
    {
        var bucket = new TokenBucket(ratePerSecond: 10, burst: 1, _time);
        Assert.True(bucket.TryTake());
        _time.Advance(TimeSpan.FromMilliseconds(60));
        Assert.False(bucket.TryTake());
        _time.Advance(TimeSpan.FromMilliseconds(40));
        Assert.True(bucket.TryTake());
    }

    [Fact]
    public void AnIdleBucketHoldsNoMoreThanItsBurst()
    {
        var bucket = new TokenBucket(ratePerSecond: 50, burst: 100, _time);
        Take(ref bucket, 100);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(100, Take(ref bucket, 1000));
    }

    [Fact]
    public void RejectionsCloseOnlyWhenNoFullSecondSeparatesThem()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, burst: 1, _time);
        Assert.False(bucket.CountRejection(3));
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(bucket.CountRejection(3));
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(bucket.CountRejection(3));
    }

    [Fact]
    public void AFullSecondWithoutRejectionsStartsTheRunAgain()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, burst: 1, _time);
        Assert.False(bucket.CountRejection(3));
        Assert.False(bucket.CountRejection(3));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(bucket.CountRejection(3));
        Assert.False(bucket.CountRejection(3));
        Assert.True(bucket.CountRejection(3));
    }

    [Fact]
    public void TakingATokenAllocatesNothing()
    {
        var bucket = new TokenBucket(ratePerSecond: 1_000_000, burst: 1_000_000, TimeProvider.System);
        bucket.TryTake();
        bucket.CountRejection(int.MaxValue);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            bucket.TryTake();
            bucket.CountRejection(int.MaxValue);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
