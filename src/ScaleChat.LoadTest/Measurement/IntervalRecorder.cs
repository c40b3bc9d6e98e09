using HdrHistogram;

namespace ScaleChat.LoadTest.Measurement;

/// <summary>
/// Records microsecond values from any thread without locks (an HdrHistogram
/// <see cref="Recorder"/> over a concurrent histogram) and hands out what was recorded each
/// interval, while keeping the total.
/// </summary>
internal sealed class IntervalRecorder
{
    private readonly Recorder _recorder = new(1, HistogramData.HighestMicros, 3,
        (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));
    private readonly LongHistogram _total = HistogramData.NewHistogram();
    private HistogramBase? _recycled;

    public void Record(long micros) => _recorder.RecordValue(Math.Clamp(micros, 1, HistogramData.HighestMicros));

    /// <summary>What was recorded since the last call (added to the total too). Called by one thread.</summary>
    public HistogramData TakeInterval()
    {
        var interval = _recycled is null ? _recorder.GetIntervalHistogram() : _recorder.GetIntervalHistogram(_recycled);
        _total.Add(interval);
        var data = HistogramData.From(interval);
        _recycled = interval;
        return data;
    }

    /// <summary>Everything recorded, up to the last <see cref="TakeInterval"/>.</summary>
    public HistogramData Total => HistogramData.From(_total);
}
