namespace ScaleChat.LoadTest.Workload;

/// <summary>How a simulated client reads what the server sends.</summary>
public enum ReceivePath
{
    /// <summary>A raw socket, one small reusable buffer and a frame parser that finds only what is measured.</summary>
    Lean,

    /// <summary>The runtime's <see cref="System.Net.WebSockets.ClientWebSocket"/>: the fallback, for correctness checks and wss://.</summary>
    Full,
}
