namespace ScaleChat.Backplane;

/// <summary>Where users are connected, so that private messages reach every connection of their addressee.</summary>
public interface IUserRouting
{
    /// <summary>Starts delivering private messages for <paramref name="user"/> to this node (its first local connection).</summary>
    ValueTask AddUserAsync(string user);

    /// <summary>Stops delivering private messages for <paramref name="user"/> to this node (its last local connection closed).</summary>
    ValueTask RemoveUserAsync(string user);

    /// <summary>Whether <paramref name="user"/> has a connection on any node.</summary>
    ValueTask<bool> IsUserOnlineAsync(string user);

    /// <summary>Delivers a private message to the nodes of its addressee and of its sender.</summary>
    ValueTask PublishPrivateAsync(Envelope envelope);
}
