using ScaleChat.Server.Connections;
using ScaleChat.Server.Hub;

namespace ScaleChat.Server.Tests.Hub;

/// <summary>
/// A room's members are an immutable list in chunks: every join and leave makes a new list, and a
/// fan-out that took the old one still walks exactly the members it had.
/// </summary>
public sealed class MemberListTests
{
    [Fact]
    public void JoinsAndLeavesInAnyOrderKeepExactlyTheMembersInOrder()
    {
        var random = new Random(1234);
        var absent = new Queue<Membership>(Enumerable.Range(0, 2_000).Select(i => new Membership(null!, $"room-{i}", presence: false)));
        var expected = new List<Membership>();
        var list = MemberList.Empty;
        for (var step = 0; step < 20_000; step++)
        {
            // Mostly joins until the room is large, then as many leaves as joins, then mostly leaves.
            var join = step < 8_000 ? random.Next(4) > 0 : step < 14_000 ? random.Next(2) > 0 : random.Next(4) == 0;
            if (join && absent.TryDequeue(out var member))
            {
                list = list.Add(member);
                expected.Add(member);
            }
            else if (expected.Count > 0)
            {
                var leaving = expected[random.Next(expected.Count)];
                list = list.Remove(leaving);
                expected.Remove(leaving);
                absent.Enqueue(leaving);
            }

            if (step % 500 == 0 || step > 19_900)
            {
                Assert.Equal(expected.Count, list.Length);
                Assert.Equal(expected, Walk(list));
            }
        }
    }

    [Fact]
    public void ASnapshotIsNotChangedByLaterJoinsAndLeaves()
    {
        var members = Enumerable.Range(0, 600).Select(i => new Membership(null!, $"room-{i}", presence: false)).ToArray();
        var list = members.Aggregate(MemberList.Empty, (l, m) => l.Add(m));
        var snapshot = list;

        list = list.Remove(members[0]).Remove(members[300]).Add(new Membership(null!, "late", presence: false));

        Assert.Equal(members, Walk(snapshot));
        Assert.Equal(599, list.Length);
        Assert.DoesNotContain(members[300], Walk(list));
    }

    [Fact]
    public void AJoinAfterManyLeavesKeepsEveryMemberInOrder()
    {
        // Sixteen full chunks, then leaves that spare one member in each but the last: the next join
        // finds mostly empty chunks behind a full one, and packs them.
        var members = Enumerable.Range(0, 4_096).Select(i => new Membership(null!, $"room-{i}", presence: false)).ToArray();
        var list = members.Aggregate(MemberList.Empty, (l, m) => l.Add(m));
        var kept = members.Where((_, i) => i >= 3_840 || i % 256 == 0).ToList();
        list = members.Except(kept).Aggregate(list, (l, m) => l.Remove(m));
        var late = new Membership(null!, "late", presence: false);

        list = list.Add(late);

        Assert.Equal([.. kept, late], Walk(list));
        Assert.Equal(kept.Count + 1, list.Length);
        Assert.Equal([.. kept], Walk(list.Remove(late)));
    }

    [Fact]
    public void RemovingAMemberThatIsNotThereChangesNothing()
    {
        var list = MemberList.Empty.Add(new Membership(null!, "a", presence: false));

        Assert.Same(list, list.Remove(new Membership(null!, "b", presence: false)));
    }

    private static List<Membership> Walk(MemberList list)
    {
        var walked = new List<Membership>();
        foreach (var member in list)
        {
            walked.Add(member);
        }

        return walked;
    }
}
