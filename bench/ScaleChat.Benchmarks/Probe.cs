using System.Diagnostics;

namespace ScaleChat.Benchmarks;

/// <summary>What the measuring modes share: reading their flags and measuring this process's memory.</summary>
internal static class Probe
{
    /// <summary>The value after <paramref name="name"/> on the command line, or null.</summary>
    public static string? Flag(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Managed heap and working set after full, compacting collections.</summary>
    public static (long Heap, long WorkingSet) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }
}
