namespace ScaleChat.Server.Hub;

/// <summary>This node's name in the cluster, fixed for the life of the process.</summary>
public sealed class NodeIdentity
{
    /// <summary>Uses the configured name, or the host name with a random suffix.</summary>
    public NodeIdentity(ChatServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Id = options.NodeId ?? $"{Sanitize(Environment.MachineName)}-{Guid.NewGuid().ToString("N")[..6]}";
    }

    /// <summary>The name, valid under the protocol's name rule.</summary>
    public string Id { get; }

    private static string Sanitize(string host)
    {
        var chars = host.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(40).ToArray();
        return chars.Length == 0 ? "node" : new string(chars);
    }
}
