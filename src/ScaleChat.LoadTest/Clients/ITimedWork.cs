namespace ScaleChat.LoadTest.Clients;

/// <summary>Work due at set times (the scheduler's messages), run by an <see cref="EventLoop"/> on its thread.</summary>
internal interface ITimedWork
{
    /// <summary>True when nothing is left to do.</summary>
    bool Done { get; }

    /// <summary>When the next piece is due (<see cref="System.Diagnostics.Stopwatch"/> ticks), or <see cref="long.MaxValue"/>.</summary>
    long NextDue { get; }

    /// <summary>Does every piece that is due now.</summary>
    void SendDue();
}
