using System.Net.WebSockets;
using ScaleChat.Client.Wire;
using ScaleChat.Protocol;

namespace ScaleChat.Client;

/// <summary>Opening connections, noticing their loss, and reconnecting.</summary>
public sealed partial class ChatClient
{
    private WebSocketConnection? _connection;
    private TaskCompletionSource? _handshake;
    private bool _welcomedBefore;

    // The key of the name's hold (open mode), so that a reconnect keeps the name.
    private string? _nameKey;
    private int _urlIndex;

    /// <summary>The address the next connection goes to: <see cref="ChatClientOptions.Url"/> or one of the fallbacks.</summary>
    private Uri CurrentUrl => _urlIndex == 0 ? _options.Url : _options.FallbackUrls[_urlIndex - 1];

    /// <summary>Opens a connection and completes when its <c>welcome</c> has been handled.</summary>
    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ConnectTimeout);
        var handshake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WebSocketConnection? connection = null;
        var url = CurrentUrl;
        try
        {
            connection = await WebSocketConnection.OpenAsync(_options, url, timeout.Token).ConfigureAwait(false);
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
                _connection = connection;
                _handshake = handshake;
            }

            _ = ReceiveAsync(connection);
            connection.Enqueue(ClientFrames.Hello(_options.Name, _nameKey, _options.Token, _options.Presence));
            await handshake.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (connection is not null)
            {
                lock (_gate)
                {
                    if (_connection == connection)
                    {
                        _connection = null;
                    }
                }

                connection.Abort();
            }

            throw ex switch
            {
                ChatServerException or ChatConnectionException or ObjectDisposedException => ex,
                OperationCanceledException when cancellationToken.IsCancellationRequested => ex,
                OperationCanceledException => new ChatConnectionException($"no welcome from {url} within {_options.ConnectTimeout.TotalSeconds:0.#} s", ex),
                _ => new ChatConnectionException($"cannot connect to {url}: {Describe(ex)}", ex),
            };
        }
    }

    private static string Describe(Exception ex)
    {
        // WebSocketException wraps the socket error that says what really went wrong.
        var inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner.Message;
    }

    private async Task ReceiveAsync(WebSocketConnection connection)
    {
        Exception error;
        try
        {
            await connection.ReceiveLoopAsync(_onObject, _lifetime.Token).ConfigureAwait(false);
            error = new ChatConnectionException(connection.CloseStatus is { } status
                ? $"the server closed the connection ({(int)status}{(string.IsNullOrEmpty(connection.CloseDescription) ? "" : " " + connection.CloseDescription)})"
                : "the server closed the connection");
        }
        catch (Exception ex)
        {
            error = ex is ChatConnectionException ? ex : new ChatConnectionException($"the connection was lost: {Describe(ex)}", ex);
        }

        try
        {
            OnConnectionLost(connection, error);
        }
        finally
        {
            connection.Dispose();
        }
    }

    /// <summary>
    /// The connection ended. Sends in flight fail (their outcome is unknown); other requests wait
    /// for the next connection; the client reconnects unless the server refused it for good.
    /// </summary>
    private void OnConnectionLost(WebSocketConnection connection, Exception error)
    {
        List<PendingRequest> lostSends = [];
        bool reconnect;
        lock (_gate)
        {
            if (_connection != connection)
            {
                return;
            }

            _connection = null;
            if (_state != ConnectionState.Connected)
            {
                // Still in the handshake: OpenAsync reports the failure to whoever is connecting.
                _handshake?.TrySetException(error);
                return;
            }

            _rooms.OnConnectionLost();
            var retry = new List<PendingRequest>();
            foreach (var request in _inFlight.Values.Concat(_roomRequests).OrderBy(r => r.Ref))
            {
                if (request.Internal || request.Task.IsCompleted)
                {
                    continue;
                }

                (request.Retryable ? retry : lostSends).Add(request);
            }

            _inFlight.Clear();
            _roomRequests.Clear();
            foreach (var request in _waiting)
            {
                retry.Add(request);
            }

            _waiting.Clear();
            retry.ForEach(_waiting.Enqueue);
            reconnect = _options.Reconnect && !IsFinal(connection.CloseStatus);
            _state = reconnect ? ConnectionState.Reconnecting : ConnectionState.Closed;
            if (!reconnect)
            {
                lostSends.AddRange(TakeAllRequests());
            }
        }

        var lost = new ChatConnectionException($"{error.Message}; the message may or may not have been delivered", error);
        foreach (var request in lostSends)
        {
            request.TrySetException(request.Kind == RequestKind.Send ? lost : error);
        }

        if (reconnect)
        {
            _ = ReconnectAsync(error);
        }
        else
        {
            Close(error);
        }
    }

    /// <summary>Close codes after which reconnecting cannot help: policy (a bad token) and data the server refuses.</summary>
    private static bool IsFinal(WebSocketCloseStatus? status) => (int?)status is
        CloseCodes.PolicyViolation or CloseCodes.UnsupportedData or CloseCodes.InvalidPayload;

    private async Task ReconnectAsync(Exception error)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (_options.MaxReconnectAttempts > 0 && attempt > _options.MaxReconnectAttempts)
            {
                Close(new ChatConnectionException($"gave up after {_options.MaxReconnectAttempts} reconnect attempts: {error.Message}", error));
                return;
            }

            var delay = Backoff.Delay(attempt, _options.ReconnectMinDelay, _options.ReconnectMaxDelay, Random.Shared);
            Raise(new ConnectionStateChanged { State = ConnectionState.Reconnecting, Error = error, Attempt = attempt, Delay = delay });
            try
            {
                await Task.Delay(delay, _lifetime.Token).ConfigureAwait(false);
                await OpenAsync(_lifetime.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (_lifetime.IsCancellationRequested)
            {
                return;
            }
            catch (ChatServerException refused)
            {
                // The server answered hello with an error (an expired token): trying again cannot help.
                Close(refused);
                return;
            }
            catch (Exception ex)
            {
                error = ex;
                _urlIndex = (_urlIndex + 1) % (_options.FallbackUrls.Count + 1); // try the next node
            }
        }
    }

    /// <summary>Closes the client for good after a failure, failing every waiting request.</summary>
    private void Close(Exception error)
    {
        List<PendingRequest> abandoned;
        lock (_gate)
        {
            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            _state = ConnectionState.Closed;
            abandoned = TakeAllRequests();
        }

        foreach (var request in abandoned)
        {
            request.TrySetException(error as ChatConnectionException ?? new ChatConnectionException(error.Message, error));
        }

        Raise(new ConnectionStateChanged { State = ConnectionState.Closed, Error = error });
    }
}
