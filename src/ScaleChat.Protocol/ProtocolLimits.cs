namespace ScaleChat.Protocol;

/// <summary>
/// The limits a server enforces and announces in <c>welcome.limits</c>; the defaults are the protocol's.
/// </summary>
public sealed record ProtocolLimits
{
    /// <summary>Longest <c>text</c>, in bytes of UTF-8.</summary>
    public int MaxMessageBytes { get; init; } = 4096;

    /// <summary>Largest frame the server accepts, in bytes.</summary>
    public int MaxFrameBytes { get; init; } = 65536;

    /// <summary>Steady rate of the per-connection token bucket, in objects per second.</summary>
    public int MessagesPerSecond { get; init; } = 50;

    /// <summary>Size of the per-connection token bucket.</summary>
    public int Burst { get; init; } = 100;

    /// <summary>Rooms one connection may be in at once.</summary>
    public int MaxRooms { get; init; } = 100;

    /// <summary>Throws when a limit is out of range, so a bad configuration fails at start-up.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrameBytes, 256);
        ArgumentOutOfRangeException.ThrowIfLessThan(MessagesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Burst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRooms, 1);
    }
}
