namespace ScaleChat.LoadTest.Running;

/// <summary>Settings of a process that runs load clients, made before it opens its first socket.</summary>
public static class LoadProcess
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Runs socket completions on the runtime's event thread instead of queueing each to the
    /// thread pool: a lean client's receive handler only parses and counts, never blocks, and the
    /// hop costs about a microsecond per read (a quarter of the generator's CPU per unbatched
    /// delivery). The runtime reads the variable when its first socket starts, so this does nothing
    /// in a process that already has one (a test host with a server in it), and an operator's own
    /// value wins.
    /// </summary>
    public static void PrepareSockets()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }
    }
}
