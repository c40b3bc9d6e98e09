using System.Buffers;
using System.Diagnostics;
using System.Net.WebSockets;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Server.Connections;

internal sealed partial class Connection
{
    // Rejections in a row (with no second free of them) before a flooding client is closed.
    private const int RejectionsBeforeClose = 100;

    /// <summary>
    /// Reads the message that <paramref name="first"/> began and hands it on; false when the peer's
    /// close frame came instead, which ends the read loop.
    /// </summary>
    private async ValueTask<bool> ReadMessageAsync(ValueWebSocketReceiveResult first, string? urlRoom)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            (buffer, var length, var peerClosed) = await ReceiveMessageAsync(first, buffer);
            if (peerClosed)
            {
                return false;
            }

            if (IsClosing)
            {
                return true;
            }

            if (first.MessageType == WebSocketMessageType.Binary)
            {
                Close(CloseCodes.UnsupportedData, "binary frames are not supported");
                return true;
            }

            // Text frames were checked for valid UTF-8 by the WebSocket itself: it closes with 1007.
            var frame = buffer.AsMemory(0, length);
            ReceivedTimestamp = Stopwatch.GetTimestamp();
            _traffic.FramesIn++;
            _traffic.BytesIn += length;
            if (IsLegacy)
            {
                await OnLegacyFrameAsync(frame);
            }
            else
            {
                await OnFrameAsync(frame, urlRoom);
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the rest of a message into <paramref name="buffer"/>, growing it up to the frame limit.
    /// Past the limit the connection is closed with 1009 and the rest of the message is read and dropped.
    /// </summary>
    private async ValueTask<(byte[] Buffer, int Length, bool PeerClosed)> ReceiveMessageAsync(ValueWebSocketReceiveResult result, byte[] buffer)
    {
        var max = _options.Limits.MaxFrameBytes;
        var length = 0;
        while (!result.EndOfMessage)
        {
            if (length == buffer.Length)
            {
                if (length > max)
                {
                    Close(CloseCodes.MessageTooBig, $"frame is larger than {max} bytes", discardQueued: true);
                    length = 0;
                }
                else
                {
                    var grown = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                    buffer.AsSpan(0, length).CopyTo(grown);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = grown;
                }
            }

            result = await _socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                OnPeerClosed();
                return (buffer, length, true);
            }

            length += result.Count;
        }

        if (length > max)
        {
            Close(CloseCodes.MessageTooBig, $"frame is larger than {max} bytes", discardQueued: true);
        }

        return (buffer, length, false);
    }

    private async ValueTask OnFrameAsync(ReadOnlyMemory<byte> frame, string? urlRoom)
    {
        while (!frame.IsEmpty && !IsClosing)
        {
            var end = frame.Span.IndexOf(ProtocolConstants.ObjectSeparator);
            var line = end < 0 ? frame : frame[..end];
            frame = end < 0 ? default : frame[(end + 1)..];
            if (line.Span.Trim(" \t\r"u8).IsEmpty && end >= 0)
            {
                continue; // a blank line between batched objects
            }

            await OnObjectAsync(line, urlRoom);
        }
    }

    private async ValueTask OnObjectAsync(ReadOnlyMemory<byte> json, string? urlRoom)
    {
        var parsed = ClientFrameParser.TryParse(json.Span, _options.Limits, out var command, out var error);
        if (!_bucket.TryTake())
        {
            _metrics.Rejected(ErrorCodes.RateLimited);
            TryEnqueue(ServerFrames.Error(ErrorCodes.RateLimited, "rate limit exceeded", parsed ? command.Ref : error.Ref));
            if (_bucket.CountRejection(RejectionsBeforeClose))
            {
                Close(CloseCodes.RateLimitExceeded, "rate limit exceeded persistently");
            }

            return;
        }

        if (User is null)
        {
            if (!parsed || command.Type != ClientCommandType.Hello)
            {
                // Before the handshake every refusal is bad_request; only a hello may be tried again.
                var message = parsed ? "the first object must be a 'hello'" : error.Message;
                _metrics.Rejected(ErrorCodes.BadRequest);
                TryEnqueue(ServerFrames.Error(ErrorCodes.BadRequest, message, parsed ? command.Ref : error.Ref));
                if (command.Type != ClientCommandType.Hello)
                {
                    Close(CloseCodes.PolicyViolation, "no valid hello");
                }

                return;
            }
        }
        else if (parsed && command.Type == ClientCommandType.Hello)
        {
            error = new FrameError(ErrorCodes.BadRequest, "'hello' was already accepted", command.Ref);
            parsed = false;
        }

        if (!parsed)
        {
            _metrics.Rejected(error.Code);
            TryEnqueue(ServerFrames.Error(error));
            return;
        }

        await _handler.HandleAsync(this, command, urlRoom);
    }

    private async ValueTask OnLegacyFrameAsync(ReadOnlyMemory<byte> json)
    {
        if (!_bucket.TryTake())
        {
            // Legacy clients get no errors: the frame is dropped and counted.
            _metrics.Rejected(ErrorCodes.RateLimited);
            if (_bucket.CountRejection(RejectionsBeforeClose))
            {
                Close(CloseCodes.RateLimitExceeded, "rate limit exceeded persistently");
            }

            return;
        }

        switch (LegacyFrameParser.TryParse(json.Span, _options.Limits, out var frame))
        {
            case LegacyParseResult.Chat:
                await _handler.SendLegacyAsync(this, frame!);
                break;
            case LegacyParseResult.TooLarge:
                // As in version 1, an over-long text is never dropped in silence.
                _metrics.Rejected(ErrorCodes.TooLarge);
                Close(CloseCodes.MessageTooBig, $"text is longer than {_options.Limits.MaxMessageBytes} bytes");
                break;
            default:
                _metrics.Rejected(ErrorCodes.BadRequest);
                break;
        }
    }

    private void OnPeerClosed()
    {
        // The client is leaving: what is queued for it is dropped, and the close is answered with 1000.
        Close(CloseCodes.Normal, "", discardQueued: true);
    }

    private CancellationTokenSource StartHandshakeTimer()
    {
        var timer = new CancellationTokenSource(_options.HandshakeTimeout, _time);
        timer.Token.UnsafeRegister(static state =>
        {
            var connection = (Connection)state!;
            if (connection.User is null)
            {
                connection.TryEnqueue(ServerFrames.Error(ErrorCodes.BadRequest, "no valid 'hello' in time"));
                connection.Close(CloseCodes.PolicyViolation, "no valid hello in time");
            }
        }, this);
        return timer;
    }
}
