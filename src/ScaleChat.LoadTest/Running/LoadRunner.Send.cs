using System.Text.Unicode;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Workload;

namespace ScaleChat.LoadTest.Running;

public sealed partial class LoadRunner
{
    // Written only by the scheduler thread.
    private byte[]? _sendBuffer;

    /// <summary>Sends message <paramref name="k"/> now, on the scheduler thread: encode, record what is expected, queue.</summary>
    private void Send(long k)
    {
        var sender = _clients[_plan.SenderOf(k)];
        if (!sender.Joined)
        {
            _counters.NotSentOne();
            return;
        }

        LoadClient? to = null;
        int expected;
        if (_plan.IsPrivate(k))
        {
            // The addressee's connection and the sender's own.
            to = _clients[_plan.AddresseeOf(k)];
            expected = to.Joined ? 2 : 1;
        }
        else
        {
            // Every member of the room, the sender included.
            expected = Volatile.Read(ref _joinedPerRoom[sender.Room]);
        }

        _sendBuffer ??= new byte[_settings.SizeMax + 512];
        var length = Encode(_sendBuffer, k, _plan.SizeOf(k), sender, to, _settings.Legacy);
        _tracker.Sending(k, expected);
        if (k >= _plan.WarmupMessages)
        {
            _raw?.Sent(k, sender.Global, _tracker.ScheduledTicks(k));
        }

        _counters.SentOne();
        sender.Send(_sendBuffer.AsSpan(0, length));
    }

    /// <summary>
    /// One <c>send</c> object (or legacy frame) whose text is <c>#k#</c> padded with 'x' to
    /// <paramref name="size"/> bytes: the receiver reads k and needs no lookup to know the message.
    /// </summary>
    internal static int Encode(Span<byte> buffer, long k, int size, LoadClient sender, LoadClient? to, bool legacy)
    {
        var room = Plan.RoomName(sender.Room);
        int n;
        if (legacy)
        {
            Utf8.TryWrite(buffer, $"{{\"message_id\":{k},\"text\":\"#{k}#", out n);
        }
        else
        {
            Utf8.TryWrite(buffer, $"{{\"type\":\"send\",\"ref\":{k},\"text\":\"#{k}#", out n);
        }

        var prefix = 2 + CountDigits(k);
        if (size > prefix)
        {
            buffer.Slice(n, size - prefix).Fill((byte)'x');
            n += size - prefix;
        }

        int tail;
        if (legacy)
        {
            Utf8.TryWrite(buffer[n..], $"\",\"sender\":\"{sender.Name}\",\"room\":\"{room}\"}}", out tail);
        }
        else if (to is null)
        {
            Utf8.TryWrite(buffer[n..], $"\",\"room\":\"{room}\"}}", out tail);
        }
        else
        {
            Utf8.TryWrite(buffer[n..], $"\",\"to\":\"{to.Name}\"}}", out tail);
        }

        return n + tail;
    }

    private static int CountDigits(long k)
    {
        var digits = 1;
        for (; k >= 10; k /= 10)
        {
            digits++;
        }

        return digits;
    }
}
