using ScaleChat.Protocol;
using ScaleChat.Server.Identity;

namespace ScaleChat.Server;

/// <summary>
/// Everything the server can be told, bound from the <c>ScaleChat</c> configuration section
/// (appsettings.json, <c>ScaleChat__Name</c> environment variables, or command-line flags).
/// </summary>
public sealed class ChatServerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ScaleChat";

    /// <summary>Protocol limits, announced to clients in <c>welcome.limits</c>.</summary>
    public ProtocolLimits Limits { get; set; } = new();

    /// <summary>This node's name in <c>welcome.node</c>; defaults to the host name and a random suffix.</summary>
    public string? NodeId { get; set; }

    /// <summary>Messages each room keeps for <c>history</c> and resume.</summary>
    public int HistorySize { get; set; } = 1000;

    /// <summary>
    /// Bytes of room history this node keeps in memory across all rooms, counted as the memory the
    /// messages take. Past it the history of the least recently active rooms goes first. With a
    /// backplane that keeps history elsewhere (Redis), this node keeps none.
    /// </summary>
    public long HistoryBudgetBytes { get; set; } = 64L << 20;

    /// <summary>Bytes a connection may have queued before it is closed as a slow consumer (4008).</summary>
    public int SendQueueBytes { get; set; } = 1 << 20;

    /// <summary>Largest frame the server writes when it batches queued objects together.</summary>
    public int MaxBatchBytes { get; set; } = 64 * 1024;

    /// <summary>Time a new version-1 connection has to send a valid <c>hello</c>.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time a closing connection gets to flush its queue and finish the close handshake.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time the server waits for connections to close at shutdown before it aborts them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Origins besides the server's own whose pages may open chat connections (browsers send
    /// <c>Origin</c>), separated by commas, e.g. <c>https://chat.example.com</c>; <c>*</c> allows any.
    /// Upgrades from other origins are refused with 403; clients that send no <c>Origin</c> are not affected.
    /// </summary>
    public string? AllowedOrigins { get; set; }

    /// <summary>
    /// Addresses of a separate listener for the operator (e.g. <c>http://127.0.0.1:9091</c>, several
    /// separated by ';', each with an explicit port): when set, <c>/metrics</c>, <c>/api/stats</c> and the
    /// dashboard are served there and not on the public addresses, and chat connections only on those.
    /// </summary>
    public string? AdminUrls { get; set; }

    /// <summary>How connections prove who they are: open-mode name holds (default) or tokens (<c>ScaleChat:Auth</c>).</summary>
    public AuthOptions Auth { get; set; } = new();

    /// <summary>Whether clients that ask for no subprotocol are served in the legacy scale-chat format.</summary>
    public bool LegacyEnabled { get; set; } = true;

    /// <summary>
    /// Whether WebSocket upgrades to /ws are served straight from the connection, without ASP.NET
    /// Core's per-request objects (much less memory per idle connection). Off: every upgrade goes
    /// through the HTTP pipeline.
    /// </summary>
    public bool LeanUpgrade { get; set; } = true;

    /// <summary>
    /// Run socket completions and flushes on the thread that caused them rather than handing each to
    /// another queue first (Kestrel's inline scheduling): a writer's flush then writes to the socket
    /// itself. Safe here because nothing on the server's socket paths blocks a thread.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// Most connections held at once; 0 derives it from the process's open-file limit, leaving room for
    /// the files and sockets the server itself needs.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>How often one summary line is logged at Information; zero logs none.</summary>
    public TimeSpan SummaryInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>
    /// The largest frame one message can encode to: text escaped for JSON grows at most six times
    /// (a control character becomes <c>\u00XX</c>), plus the other fields.
    /// </summary>
    internal int MaxMessageFrameBytes => (6 * Limits.MaxMessageBytes) + 1024;

    /// <summary>The largest answer of many messages (<c>history</c>): a batch, or one message when that is larger.</summary>
    internal int MaxAnswerBytes => Math.Max(MaxBatchBytes, MaxMessageFrameBytes);

    /// <summary>Throws when a setting is out of range, so a bad configuration fails at start-up.</summary>
    public void Validate()
    {
        Limits.Validate();
        Auth.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(HistorySize, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(HistoryBudgetBytes, 0);
        // The budget must hold the largest answer twice over, or one message could close a reader as slow.
        ArgumentOutOfRangeException.ThrowIfLessThan(SendQueueBytes, 2 * MaxAnswerBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 0);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HandshakeTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(CloseTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(SummaryInterval, TimeSpan.Zero);
        Hosting.AdminListener.ParsePorts(AdminUrls);
        if (NodeId is not null && !Names.IsValid(NodeId))
        {
            throw new ArgumentException("NodeId must be 1-64 ASCII letters, digits, '-', '_' or '.'", nameof(NodeId));
        }
    }
}
