using System.Diagnostics;
using System.Globalization;

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

    /// <summary>Every value given after <paramref name="name"/>, for a flag that may be repeated.</summary>
    public static List<string> Flags(string[] args, string name)
    {
        var values = new List<string>();
        for (var i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == name)
            {
                values.Add(args[++i]);
            }
        }

        return values;
    }

    /// <summary>The whole number after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static int Int(string[] args, string name, int fallback) =>
        Flag(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The number after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static double Number(string[] args, string name, double fallback) =>
        Flag(args, name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>Managed heap and working set after full, compacting collections.</summary>
    public static (long Heap, long WorkingSet) Memory()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
    }

    /// <summary>Bytes as MiB with one decimal, for tables.</summary>
    public static string MiB(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("N1", CultureInfo.InvariantCulture);
}
