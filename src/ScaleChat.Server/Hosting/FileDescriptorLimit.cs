using System.Runtime.InteropServices;

namespace ScaleChat.Server.Hosting;

/// <summary>
/// The process's open-file limit. Every WebSocket is a file, so the soft limit is raised to the hard
/// limit at start-up and the connection ceiling is derived from it.
/// </summary>
internal static partial class FileDescriptorLimit
{
    private const int RlimitNofile = 7; // Linux

    /// <summary>Raises the soft limit to the hard limit on Linux; returns the limit in force (null when unknown).</summary>
    public static long? Raise()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            if (GetRLimit(RlimitNofile, out var limit) != 0)
            {
                return null;
            }

            if (limit.Current < limit.Maximum)
            {
                var raised = limit with { Current = limit.Maximum };
                if (SetRLimit(RlimitNofile, in raised) == 0)
                {
                    return (long)raised.Current;
                }
            }

            return (long)Math.Min(limit.Current, long.MaxValue);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private record struct RLimit(ulong Current, ulong Maximum);

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);
}
