namespace ScaleChat.LoadTest.Workload;

/// <summary>
/// Who does what, computed rather than stored: client <c>i</c> is in room <c>i % Rooms</c> at slot
/// <c>i / Rooms</c> and publishes when <c>i &lt; Publishers</c>; message <c>k</c> of this slice is
/// sent by publisher <c>k % P</c> at <c>k / rate</c> seconds after the start. A slice (one worker)
/// holds whole rooms, so every delivery it expects comes from a message it sent itself.
/// </summary>
internal sealed class Plan
{
    public Plan(LoadSettings settings)
    {
        Settings = settings;
        var clients = new List<int>();
        for (var i = 0; i < settings.Clients; i++)
        {
            if (InSlice(i))
            {
                clients.Add(i);
            }
        }

        ClientIndexes = [.. clients];
        PublisherLocals = [.. Enumerable.Range(0, ClientIndexes.Length).Where(l => ClientIndexes[l] < settings.Publishers)];
        Rate = settings.Publishers == 0 ? 0 : settings.Rate * PublisherLocals.Length / settings.Publishers;
        WarmupMessages = (long)Math.Floor(Rate * settings.Warmup.TotalSeconds);
        TotalMessages = WarmupMessages + (long)Math.Floor(Rate * settings.Duration.TotalSeconds);
    }

    public LoadSettings Settings { get; }

    /// <summary>The global indexes of the clients this slice drives; a client's position here is its local index.</summary>
    public int[] ClientIndexes { get; }

    /// <summary>Local indexes of the publishers, in the order messages go round them.</summary>
    public int[] PublisherLocals { get; }

    /// <summary>Messages per second this slice sends.</summary>
    public double Rate { get; }

    /// <summary>Messages sent before measuring starts (their deliveries are not counted).</summary>
    public long WarmupMessages { get; }

    /// <summary>Every message this slice sends.</summary>
    public long TotalMessages { get; }

    public bool InSlice(int client) => client % Settings.Rooms % Settings.SliceCount == Settings.SliceIndex;

    public int RoomOf(int client) => client % Settings.Rooms;

    public int SlotOf(int client) => client / Settings.Rooms;

    /// <summary>Members of a room: rooms differ in size by at most one.</summary>
    public int MembersOf(int room) => (Settings.Clients / Settings.Rooms) + (room < Settings.Clients % Settings.Rooms ? 1 : 0);

    public string NameOf(int client) => $"ld{Settings.RunTag}-{client}";

    public static string RoomName(int room) => $"load-{room}";

    /// <summary>The local index of the publisher that sends message <paramref name="k"/>.</summary>
    public int SenderOf(long k) => PublisherLocals[(int)(k % PublisherLocals.Length)];

    /// <summary>True when message <paramref name="k"/> goes <c>to</c> a user rather than to the room.</summary>
    public bool IsPrivate(long k) => Settings.PrivateShare > 0 && Unit(k, 0x9E3779B97F4A7C15UL) < Settings.PrivateShare;

    /// <summary>The local index of the addressee of private message <paramref name="k"/>: any client of the slice but its sender.</summary>
    public int AddresseeOf(long k)
    {
        var sender = SenderOf(k);
        var pick = (int)(Unit(k, 0xC2B2AE3D27D4EB4FUL) * (ClientIndexes.Length - 1));
        return pick >= sender ? pick + 1 : pick;
    }

    /// <summary>The text size of message <paramref name="k"/>, spread evenly over the range.</summary>
    public int SizeOf(long k) =>
        Settings.SizeMin + (int)(Unit(k, 0x165667B19E3779F9UL) * (Settings.SizeMax - Settings.SizeMin + 1));

    // A fixed hash of k into [0, 1): the same message always makes the same choices, in every run.
    private static double Unit(long k, ulong salt)
    {
        var x = ((ulong)k + 1) * salt;
        x ^= x >> 31;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 29;
        return (x >> 11) * (1.0 / (1UL << 53));
    }
}
