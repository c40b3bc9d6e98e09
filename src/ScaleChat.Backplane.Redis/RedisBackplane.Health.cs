using System.Diagnostics;
using StackExchange.Redis;

namespace ScaleChat.Backplane.Redis;

/// <summary>
/// What the log says about Redis being away: one plain line when it goes (where, why, how often the
/// node retries), one a minute while it stays away, one when it is back. An outage is expected, so it
/// gets no stack traces; anything else that fails still does.
/// </summary>
public sealed partial class RedisBackplane
{
    private static readonly TimeSpan StillDownEvery = TimeSpan.FromMinutes(1);

    private readonly Lock _healthLock = new();
    private long _downSince; // Stopwatch timestamp; 0 while Redis answers
    private long _lastDownLine;

    /// <summary>Where Redis is, as the log names it (never the password of the configuration string).</summary>
    private string Endpoint => field ??= string.Join(",", ConfigurationOptions.Parse(_options.Configuration).EndPoints.Select(e => e.ToString()));

    /// <summary>Whether <paramref name="exception"/> means only that Redis cannot be reached now.</summary>
    private static bool IsOutage(Exception exception) => exception is RedisConnectionException or RedisTimeoutException or TimeoutException
        || (exception is RedisException && exception.InnerException is RedisConnectionException or System.Net.Sockets.SocketException);

    /// <summary>Something failed: an outage is logged once per state change, anything else with its stack.</summary>
    private void OnFailure(Exception exception)
    {
        if (IsOutage(exception))
        {
            OnDown(Reason(exception));
        }
        else
        {
            Log.MaintenanceFailed(_logger, exception);
        }
    }

    /// <summary>Redis cannot be reached, for <paramref name="reason"/>.</summary>
    private void OnDown(string reason)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_healthLock)
        {
            if (_downSince == 0)
            {
                _downSince = _lastDownLine = now;
                Log.RedisUnreachable(_logger, Endpoint, reason, _options.NodeTimeout.TotalSeconds / 3);
            }
            else if (Stopwatch.GetElapsedTime(_lastDownLine, now) >= StillDownEvery)
            {
                _lastDownLine = now;
                Log.RedisStillUnreachable(_logger, Endpoint, (int)Stopwatch.GetElapsedTime(_downSince, now).TotalSeconds, reason);
            }
        }
    }

    /// <summary>Redis answered: a line when it had been away.</summary>
    private void OnSuccess()
    {
        lock (_healthLock)
        {
            if (_downSince != 0)
            {
                Log.RedisBack(_logger, Endpoint, (int)Stopwatch.GetElapsedTime(_downSince).TotalSeconds);
                _downSince = 0;
            }
        }
    }

    /// <summary>Why Redis cannot be reached, in words: the client library's own messages are a page of diagnostics.</summary>
    private static string Reason(Exception exception) => Reason((exception as RedisConnectionException)?.FailureType, exception);

    private static string Reason(ConnectionFailureType? failure, Exception? exception)
    {
        var socket = exception;
        while (socket is not (null or System.Net.Sockets.SocketException or IOException))
        {
            socket = socket.InnerException;
        }

        var what = failure switch
        {
            ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection => "nothing answers there",
            ConnectionFailureType.SocketFailure or ConnectionFailureType.SocketClosed => "the connection broke",
            ConnectionFailureType.AuthenticationFailure => "authentication failed: check the password in the configuration string",
            ConnectionFailureType.Loading => "Redis is still loading its data",
            { } other => other.ToString(),
            null when exception is RedisTimeoutException or TimeoutException => "it did not answer in time",
            null => FirstLine(exception?.Message ?? "unknown"),
        };
        return socket is null ? what : $"{what}: {FirstLine(socket.Message)}";
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
