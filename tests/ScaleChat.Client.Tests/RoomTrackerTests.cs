using ScaleChat.Protocol;

namespace ScaleChat.Client.Tests;

public class RoomTrackerTests
{
    private static ReceivedMessage Message(string room, long seq) =>
        new() { Room = room, From = "a", Text = $"m{seq}", Id = $"{room}-{seq}", Seq = seq };

    private static KeyValuePair<string, RoomPosition> At(string room, long seq, string epoch = "e1") => new(room, new RoomPosition(seq, epoch));

    private static RoomTracker TrackerIn(params KeyValuePair<string, RoomPosition>[] rooms)
    {
        var tracker = new RoomTracker();
        Assert.Empty(tracker.OnWelcome(rooms, reconnect: false));
        return tracker;
    }

    [Fact]
    public void AMessageAlreadyDeliveredIsNotDeliveredAgain()
    {
        var tracker = TrackerIn(At("global", 0));
        Assert.True(tracker.Accept(Message("global", 1)));
        Assert.True(tracker.Accept(Message("global", 2)));
        Assert.False(tracker.Accept(Message("global", 2)));
        Assert.False(tracker.Accept(Message("global", 1)));
        Assert.Equal(2, tracker.PositionOf("global")!.Value.Seq);
    }

    [Fact]
    public void PrivateMessagesAndRoomsNotTrackedAlwaysPass()
    {
        var tracker = TrackerIn(At("global", 5));
        Assert.True(tracker.Accept(new ReceivedMessage { To = "me", From = "a", Text = "t", Id = "p" }));
        Assert.True(tracker.Accept(Message("elsewhere", 1)));
    }

    [Fact]
    public void ARoomTheServerDidNotRejoinIsJoinedAfterTheLastSeqSeen()
    {
        var tracker = TrackerIn(At("global", 0));
        tracker.OnJoined("dev", new RoomPosition(10, "e9"));
        tracker.Accept(Message("dev", 11));
        var actions = tracker.OnWelcome([At("global", 0)], reconnect: true);
        var join = Assert.Single(actions, a => a.Step == ResumeStep.Join);
        Assert.Equal(("dev", 11L, "e9"), (join.Room, join.After.Seq, join.After.Epoch));
        Assert.True(Assert.Single(actions, a => a.Room == "global").Event!.Recovered);
    }

    [Fact]
    public void ARecoveredJoinKeepsThePositionSoTheReplayIsDeliveredOnce()
    {
        var tracker = TrackerIn();
        tracker.OnJoined("dev", new RoomPosition(3, "e1"));
        tracker.OnWelcome([], reconnect: true);
        var resumed = tracker.OnResumeJoined("dev", new RoomPosition(6, "e1"), recovered: true)!;
        Assert.True(resumed.Recovered);
        Assert.Equal([true, true, true, false], new[] { 4L, 5, 6, 6 }.Select(s => tracker.Accept(Message("dev", s))));
    }

    [Fact]
    public void AnUnrecoveredJoinReportsTheGapAndMovesOn()
    {
        var tracker = TrackerIn();
        tracker.OnJoined("dev", new RoomPosition(3, "e1"));
        var resumed = tracker.OnResumeJoined("dev", new RoomPosition(900, "e2"), recovered: false)!;
        Assert.False(resumed.Recovered);
        Assert.Equal((3L, 900L), (resumed.LastSeen.Seq, resumed.Position.Seq));
        Assert.False(tracker.Accept(Message("dev", 900)));
        Assert.True(tracker.Accept(Message("dev", 901)));
    }

    [Fact]
    public void AGapInARoomJoinedAtHelloIsFetchedAndLiveMessagesWaitBehindIt()
    {
        var tracker = TrackerIn(At("global", 2));
        var fill = Assert.Single(tracker.OnWelcome([At("global", 5)], reconnect: true));
        Assert.Equal((ResumeStep.Fill, 6L, 3), (fill.Step, fill.Before, fill.Limit));

        Assert.False(tracker.Accept(Message("global", 6)));
        Assert.False(tracker.Accept(Message("global", 7)));
        var (deliver, resumed) = tracker.OnFilled("global", [Message("global", 3), Message("global", 4), Message("global", 5)]);

        Assert.True(resumed!.Recovered);
        Assert.Equal([3L, 4, 5, 6, 7], deliver.Select(m => m.Seq));
        Assert.False(tracker.Accept(Message("global", 7)));
        Assert.True(tracker.Accept(Message("global", 8)));
    }

    [Fact]
    public void AGapTheHistoryNoLongerHoldsIsReportedAsNotRecovered()
    {
        var tracker = TrackerIn(At("global", 2));
        tracker.OnWelcome([At("global", 5)], reconnect: true);
        var (deliver, resumed) = tracker.OnFilled("global", [Message("global", 5)]);
        Assert.False(resumed!.Recovered);
        Assert.Equal([5L], deliver.Select(m => m.Seq));
    }

    [Fact]
    public void ANewEpochIsReportedAsNotRecovered()
    {
        var tracker = TrackerIn(At("global", 20));
        var action = Assert.Single(tracker.OnWelcome([At("global", 4, "e2")], reconnect: true));
        Assert.Equal((ResumeStep.Done, false), (action.Step, action.Event!.Recovered));
        Assert.True(tracker.Accept(Message("global", 5)));
    }

    [Fact]
    public void ARoomTheApplicationLeftIsLeftAgainWhenTheServerRejoinsIt()
    {
        var tracker = TrackerIn(At("global", 1));
        tracker.Remove("global");
        var action = Assert.Single(tracker.OnWelcome([At("global", 1)], reconnect: true));
        Assert.Equal((ResumeStep.Leave, "global"), (action.Step, action.Room));
    }

    [Fact]
    public void AGapBeingFetchedWhenTheConnectionIsLostIsFetchedAgainLater()
    {
        var tracker = TrackerIn(At("global", 2));
        tracker.OnWelcome([At("global", 5)], reconnect: true);
        tracker.Accept(Message("global", 6));
        tracker.OnConnectionLost();
        var fill = Assert.Single(tracker.OnWelcome([At("global", 9)], reconnect: true));
        Assert.Equal((ResumeStep.Fill, 2L, 7), (fill.Step, fill.After.Seq, fill.Limit));
    }
}
