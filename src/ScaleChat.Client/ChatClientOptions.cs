using System.Net.Http;

namespace ScaleChat.Client;

/// <summary>How a <see cref="ChatClient"/> connects, reconnects and waits.</summary>
public sealed class ChatClientOptions
{
    /// <summary>The server's WebSocket endpoint, e.g. <c>ws://localhost:8080/ws</c> (or <c>/ws/{room}</c>).</summary>
    public required Uri Url { get; init; }

    /// <summary>
    /// Other nodes of the same cluster. When a reconnect attempt fails, the next attempt goes to the
    /// next address in turn (<see cref="Url"/> first), so a client whose node died resumes on another.
    /// </summary>
    public IReadOnlyList<Uri> FallbackUrls { get; init; } = [];

    /// <summary>
    /// The user name sent in <c>hello</c>: 1–64 ASCII letters, digits, '-', '_' or '.'. Required
    /// without a <see cref="Token"/>; with one it may be left out, as the server takes the user from
    /// the token (<see cref="ChatClient.User"/> says which name that is).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>
    /// A JWT for servers in token mode, sent in <c>hello</c>. Replace it on a live connection with
    /// <see cref="ChatClient.AuthenticateAsync"/>; reconnects then present the newest accepted one.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>
    /// The key of a name already held on the server (<see cref="ChatClient.NameKey"/> of another
    /// client with the same <see cref="Name"/>), to share that name: another process or tab of the
    /// same user. Without it the first <c>welcome</c> of an open-mode server issues one.
    /// </summary>
    public string? NameKey { get; init; }

    /// <summary>Ask for join/leave events of every room this client is in (sent with <c>hello</c> and each <c>join</c>).</summary>
    public bool Presence { get; init; }

    /// <summary>Reconnect automatically when the connection is lost, and resume the rooms. On by default.</summary>
    public bool Reconnect { get; init; } = true;

    /// <summary>Delay before the first reconnect attempt; it doubles on each further attempt, with jitter.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest delay between reconnect attempts (of which a random half to all is waited): a few
    /// seconds, so a client is back soon after its server is, as the browser page is.
    /// </summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reconnect attempts in a row before the client gives up and closes; 0 for no limit.</summary>
    public int MaxReconnectAttempts { get; init; }

    /// <summary>How long opening a connection and receiving <c>welcome</c> may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request may wait for its answer, including any time spent waiting for a
    /// reconnect; <see cref="Timeout.InfiniteTimeSpan"/> to wait for ever.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Requests that may wait for a reconnect at once; further requests made while disconnected
    /// fail at once with <see cref="ChatConnectionException"/>.
    /// </summary>
    public int MaxQueuedWhileDisconnected { get; init; } = 1000;

    /// <summary>Interval of WebSocket keep-alive pings; <see cref="TimeSpan.Zero"/> to disable.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long to wait for the server's pong to a keep-alive ping before the connection is
    /// considered dead and dropped (and reconnected).
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The HTTP invoker used to open WebSockets. Null shares one handler between every client in
    /// the process, which costs less than one each.
    /// </summary>
    public HttpMessageInvoker? HttpInvoker { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Url);
        ArgumentNullException.ThrowIfNull(FallbackUrls);
        foreach (var url in FallbackUrls.Prepend(Url))
        {
            if (url.Scheme is not ("ws" or "wss"))
            {
                throw new ArgumentException($"the URL must start with ws:// or wss://, not '{url.Scheme}://'", nameof(Url));
            }
        }

        if (Token is not null && string.IsNullOrWhiteSpace(Token))
        {
            throw new ArgumentException("the token must not be empty", nameof(Token));
        }

        if ((Name is not null || Token is null) && !Protocol.Names.IsValid(Name))
        {
            throw new ArgumentException(Name is null
                ? "a name is required without a token"
                : "the name must be 1-64 ASCII letters, digits, '-', '_' or '.'", nameof(Name));
        }

        if (NameKey is not null && (string.IsNullOrWhiteSpace(NameKey) || Name is null))
        {
            throw new ArgumentException("a name key must not be empty and goes with the name it holds", nameof(NameKey));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectMinDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReconnectMaxDelay, ReconnectMinDelay);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReconnectAttempts);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxQueuedWhileDisconnected);
    }
}
