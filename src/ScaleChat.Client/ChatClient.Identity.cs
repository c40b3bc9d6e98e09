using ScaleChat.Client.Wire;

namespace ScaleChat.Client;

/// <summary>Who the client is: the name and its key (open mode), the token and its refresh (token mode).</summary>
public sealed partial class ChatClient
{
    // Both are read and written under _gate: the receive loop updates them, reconnects read them.
    private string? _nameKey;
    private string? _token;

    /// <summary>
    /// The key of the name this client holds on an open-mode server, from the latest <c>welcome</c>
    /// (or <see cref="ChatClientOptions.NameKey"/> before it). Every reconnect presents it, so the
    /// client keeps its name; hand it to another client (<see cref="ChatClientOptions.NameKey"/>)
    /// to share the name. Null when the server issued none (token mode, or an older server).
    /// </summary>
    public string? NameKey
    {
        get
        {
            lock (_gate)
            {
                return _nameKey;
            }
        }
    }

    /// <summary>
    /// Presents a fresh token on the live connection, before the current one expires: a server in
    /// token mode closes a connection whose token ran out. Once accepted, reconnects present it too.
    /// Made while disconnected, it is sent after the reconnect.
    /// </summary>
    /// <param name="token">The new JWT; its <c>sub</c> must be the user of this connection.</param>
    /// <param name="cancellationToken">Stops waiting for the answer.</param>
    /// <returns>When the new token expires, as the server read it.</returns>
    /// <exception cref="ChatServerException">The server refused the token (<c>unauthorized</c>: invalid, expired, or another user's); the connection stays, with the old token.</exception>
    /// <exception cref="ChatConnectionException">No connection, or no answer in time.</exception>
    public async Task<DateTimeOffset> AuthenticateAsync(string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        var @ref = NextRef();
        var request = new PendingRequest(RequestKind.Auth, null, @ref, ClientFrames.Auth(token, @ref)) { Token = token };
        return (DateTimeOffset)(await RunAsync(request, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The <c>hello</c> of the next connection, with the newest name key and token.</summary>
    private byte[] Hello()
    {
        lock (_gate)
        {
            // A server that ignores hello.name (token mode) may still expect one: the token's subject is the honest value.
            var name = _options.Name ?? (_token is null ? null : ChatTokens.SubjectOf(_token));
            return ClientFrames.Hello(name, _nameKey, _token, _options.Presence);
        }
    }

    private void OnAuthed(long? exp, PendingRequest? request)
    {
        if (request is not { Kind: RequestKind.Auth })
        {
            return;
        }

        lock (_gate)
        {
            _token = request.Token;
        }

        request.TrySetResult(DateTimeOffset.FromUnixTimeSeconds(exp!.Value));
    }
}
