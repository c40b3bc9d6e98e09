namespace ScaleChat.LoadTest.Measurement;

/// <summary>
/// The exact delivery counts of the measured messages: sent, copies expected and delivered, and
/// what went wrong (duplicates, out of order, unexpected copies, copies after the drain).
/// </summary>
public sealed record DeliveryCounts(long Sent, long Expected, long Delivered, long Duplicates, long OutOfOrder, long Unexpected, long Late)
{
    public static DeliveryCounts None { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Copies expected that did not arrive before the drain ended.</summary>
    public long Lost => Math.Max(0, Expected - Delivered);

    /// <summary>The counts of several workers added up.</summary>
    public static DeliveryCounts Sum(IEnumerable<DeliveryCounts> parts) =>
        parts.Aggregate(None, (a, b) => new DeliveryCounts(a.Sent + b.Sent, a.Expected + b.Expected, a.Delivered + b.Delivered,
            a.Duplicates + b.Duplicates, a.OutOfOrder + b.OutOfOrder, a.Unexpected + b.Unexpected, a.Late + b.Late));
}
