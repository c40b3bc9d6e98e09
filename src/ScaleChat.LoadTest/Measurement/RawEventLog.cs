using System.Buffers.Text;
using System.Diagnostics;

namespace ScaleChat.LoadTest.Measurement;

/// <summary>
/// <c>--raw FILE.csv</c>: one row per event in the original scale-chat load tester's format, so
/// its csv-processor and notebooks read our runs unchanged. No header; the columns are the message
/// id (the run's message number k, unique per sender), the sender's client id, the client id of
/// the one who sent or received, <c>Sent</c> or <c>Received</c>, and the time in Unix microseconds.
/// A <c>Sent</c> row carries the scheduled send time, the one latency is measured from. Rows are
/// formatted into a buffer under a lock and written in large blocks.
/// </summary>
internal sealed class RawEventLog : IDisposable
{
    private const int BlockBytes = 256 * 1024;

    private readonly Lock _gate = new();
    private readonly FileStream _file;
    private readonly long _unixMicrosAtBase;
    private readonly long _baseTicks;
    private byte[] _block = new byte[BlockBytes];
    private int _length;

    public RawEventLog(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1);
        _baseTicks = Stopwatch.GetTimestamp();
        _unixMicrosAtBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
    }

    public void Sent(long k, int sender, long scheduledTicks) => Write(k, sender, sender, "Sent"u8, scheduledTicks);

    public void Received(long k, int sender, int receiver, long receivedTicks) => Write(k, sender, receiver, "Received"u8, receivedTicks);

    /// <summary>The Unix time in microseconds of a <see cref="Stopwatch"/> timestamp of this process.</summary>
    public long UnixMicros(long ticks) => _unixMicrosAtBase + ((ticks - _baseTicks) * 1_000_000 / Stopwatch.Frequency);

    private void Write(long k, int sender, int client, ReadOnlySpan<byte> kind, long ticks)
    {
        lock (_gate)
        {
            if (_block.Length == 0)
            {
                return; // a copy that arrived after the log was closed
            }

            if (_length > BlockBytes - 128)
            {
                FlushBlock();
            }

            var row = _block.AsSpan(_length);
            var n = 0;
            Utf8Formatter.TryFormat(k, row, out var w);
            n += w;
            row[n++] = (byte)',';
            Utf8Formatter.TryFormat(sender, row[n..], out w);
            n += w;
            row[n++] = (byte)',';
            Utf8Formatter.TryFormat(client, row[n..], out w);
            n += w;
            row[n++] = (byte)',';
            kind.CopyTo(row[n..]);
            n += kind.Length;
            row[n++] = (byte)',';
            Utf8Formatter.TryFormat(UnixMicros(ticks), row[n..], out w);
            n += w;
            row[n++] = (byte)'\n';
            _length += n;
        }
    }

    private void FlushBlock()
    {
        _file.Write(_block, 0, _length);
        _length = 0;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            FlushBlock();
            _block = [];
        }

        _file.Dispose();
    }
}
