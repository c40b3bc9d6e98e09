namespace ScaleChat.LoadTest.Workload;

/// <summary>How a simulated client reads what the server sends.</summary>
public enum ReceivePath
{
    /// <summary>
    /// Raw sockets run by one event loop (Linux), one small reusable buffer each and a frame parser
    /// that finds only what is measured; elsewhere, and for wss://, the full path.
    /// </summary>
    Lean,

    /// <summary>The runtime's <see cref="System.Net.WebSockets.ClientWebSocket"/>: the fallback, for correctness checks, wss:// and other systems.</summary>
    Full,
}
