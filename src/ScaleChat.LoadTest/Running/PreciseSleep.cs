using System.Runtime.InteropServices;

namespace ScaleChat.LoadTest.Running;

/// <summary>A sleep of microsecond resolution where the C library has one (Linux): the scheduler's timer.</summary>
internal static class PreciseSleep
{
    public static bool Available { get; } = OperatingSystem.IsLinux();

    /// <summary>Sleeps about <paramref name="micros"/> microseconds (at most a second at a time).</summary>
    public static void Microseconds(long micros) => _ = NativeMethods.Sleep((uint)Math.Clamp(micros, 1, 999_999));

    private static class NativeMethods
    {
        // Blittable arguments: no marshalling, so no source-generated stub (and no unsafe code) is needed.
        [DllImport("libc", EntryPoint = "usleep", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Sleep(uint microseconds);
    }
}
