using System.Net.Sockets;
using System.Net.WebSockets;

namespace ScaleChat.LoadTest.Running;

/// <summary>Names the kind of a failed connection attempt, for the report's connectFailures.</summary>
internal static class ConnectFailure
{
    public static string KindOf(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException s:
                    return s.SocketErrorCode switch
                    {
                        SocketError.ConnectionRefused => "refused",
                        SocketError.TimedOut => "timeout",
                        SocketError.AddressAlreadyInUse or SocketError.AddressNotAvailable => "no_port",
                        SocketError.TooManyOpenSockets => "no_file",
                        SocketError.ConnectionReset => "reset",
                        _ => "socket_" + s.SocketErrorCode.ToString().ToLowerInvariant(),
                    };
                case HttpRequestException { StatusCode: { } status }:
                    return "http_" + (int)status;
                case OperationCanceledException or TimeoutException:
                    return "timeout";
                case WebSocketException { WebSocketErrorCode: WebSocketError.UnsupportedProtocol }:
                    return "protocol";
                case WebSocketException w when w.Message.Contains("status code", StringComparison.OrdinalIgnoreCase):
                    return "http_" + StatusIn(w.Message);
            }
        }

        return "other";
    }

    /// <summary>A short, one-line description of a connection failure.</summary>
    public static string Describe(Exception ex)
    {
        var kind = KindOf(ex);
        return kind switch
        {
            "refused" => "connection refused",
            "timeout" => "timed out",
            _ => ex.InnerException is { } inner && ex is WebSocketException ? $"{ex.Message.TrimEnd('.')} ({inner.Message.TrimEnd('.')})" : ex.Message.TrimEnd('.'),
        };
    }

    private static string StatusIn(string message)
    {
        var digits = new string([.. message.SkipWhile(c => !char.IsDigit(c)).TakeWhile(char.IsDigit)]);
        return digits.Length == 3 ? digits : "unknown";
    }
}
