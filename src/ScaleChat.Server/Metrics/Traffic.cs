namespace ScaleChat.Server.Metrics;

/// <summary>
/// A connection's WebSocket traffic. Its read loop writes the "in" fields and its writer the
/// "out" fields, each with plain adds (one writer per field, so no interlocked operation on the
/// message path); the metrics read them when scraped.
/// </summary>
internal struct Traffic
{
    public long FramesIn;
    public long BytesIn;
    public long FramesOut;
    public long ObjectsOut;
    public long BytesOut;

    public void Add(in Traffic other)
    {
        FramesIn += other.FramesIn;
        BytesIn += other.BytesIn;
        FramesOut += other.FramesOut;
        ObjectsOut += other.ObjectsOut;
        BytesOut += other.BytesOut;
    }

    /// <summary>Each field at least as large as in <paramref name="floor"/>: counters never go back.</summary>
    public readonly Traffic AtLeast(in Traffic floor) => new()
    {
        FramesIn = Math.Max(FramesIn, floor.FramesIn),
        BytesIn = Math.Max(BytesIn, floor.BytesIn),
        FramesOut = Math.Max(FramesOut, floor.FramesOut),
        ObjectsOut = Math.Max(ObjectsOut, floor.ObjectsOut),
        BytesOut = Math.Max(BytesOut, floor.BytesOut),
    };
}
