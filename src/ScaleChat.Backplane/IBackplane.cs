namespace ScaleChat.Backplane;

/// <summary>
/// What joins the nodes of a cluster, started and stopped with the node. The work is split by concern:
/// <see cref="IRoomStreams"/> (rooms: seq, history, delivery), <see cref="IPresence"/>,
/// <see cref="IUserRouting"/> (private messages) and <see cref="INameHolds"/> (open-mode names). One
/// class may implement several; the host registers each concern with whoever implements it. What
/// arrives comes back through <see cref="IBackplaneHandler"/>.
/// </summary>
public interface IBackplane : IAsyncDisposable
{
    /// <summary>Whether the backplane can carry messages now (reported by <c>/readyz</c>).</summary>
    bool IsReady { get; }

    /// <summary>Connects and starts delivering to <paramref name="node"/>'s handler.</summary>
    Task StartAsync(BackplaneNode node, CancellationToken cancellationToken);
}

/// <summary>The node a backplane serves: its name in the cluster and where deliveries go.</summary>
/// <param name="NodeId">The node's name, unique in the cluster.</param>
/// <param name="Handler">Receives what the backplane delivers to this node.</param>
public sealed record BackplaneNode(string NodeId, IBackplaneHandler Handler);
