using System.ComponentModel;
using System.Diagnostics;
using System.Numerics;

namespace ScaleChat.LoadTest.Workers;

/// <summary>
/// Puts each worker on a core of its own when this process may use at least as many cores as there
/// are workers: worker i on the i-th of them. With fewer cores the workers are not pinned, and the
/// report says <c>any</c>.
/// </summary>
internal static class WorkerAffinity
{
    /// <summary>The core for each worker, or null for each when there are too few.</summary>
    public static int?[] Plan(int workers)
    {
        var allowed = AllowedCores();
        return [.. Enumerable.Range(0, workers).Select(i => allowed.Count >= workers ? allowed[i] : (int?)null)];
    }

    /// <summary>Pins <paramref name="process"/> to <paramref name="core"/>; returns the core, or null when it could not.</summary>
    public static int? Pin(Process process, int? core)
    {
        if (core is not { } c || !(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            return null;
        }

        try
        {
            process.ProcessorAffinity = (nint)(1L << c);
            return c;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    private static List<int> AllowedCores()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            return [];
        }

        using var self = Process.GetCurrentProcess();
        var mask = (ulong)(long)self.ProcessorAffinity;
        return [.. Enumerable.Range(0, 64).Where(i => (mask & (1UL << i)) != 0).Take(BitOperations.PopCount(mask))];
    }
}
