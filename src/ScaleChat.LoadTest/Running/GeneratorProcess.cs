using System.Collections;
using System.Runtime.InteropServices;

namespace ScaleChat.LoadTest.Running;

/// <summary>
/// The generator runs its code fully optimized from the start, without tiered compilation. With
/// tiering, the runtime keeps recompiling code that became hot well into a run and pauses every
/// managed thread for each batch it installs; the event loop then sends milliseconds late (3–4 ms
/// at p99, against under 1 ms without, measured in bench/results/load-generator.md).
/// </summary>
public static class GeneratorProcess
{
    /// <summary>The runtime's switch; set explicitly, it is the user's choice and is kept.</summary>
    public const string TieringVariable = "DOTNET_TieredCompilation";

    /// <summary>Whether this process runs with tiered compilation (the runtime's default).</summary>
    public static bool TieredCompilation { get; } = ReadTiering();

    /// <summary>
    /// On Linux, when tiering was left to its default, replaces this process with the same command
    /// line and tiering off (same PID, so whoever started it still waits on it and counts its CPU).
    /// Returns only when it did not: tiering was set explicitly, another OS, or the exec failed.
    /// Call it from the real entry point only, before the run starts: it ends the process's code.
    /// </summary>
    public static void RestartWithoutTiering()
    {
        if (!OperatingSystem.IsLinux() || !TieredCompilation || TieringSetExplicitly())
        {
            return;
        }

        // The command line exactly as it was given: NUL-terminated arguments, byte for byte.
        var cmdline = File.ReadAllBytes("/proc/self/cmdline");
        var argv = new List<IntPtr>();
        for (int start = 0, i = 0; i < cmdline.Length; i++)
        {
            if (cmdline[i] == 0)
            {
                argv.Add(Copy(cmdline.AsSpan(start, i + 1 - start)));
                start = i + 1;
            }
        }

        var envp = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>().Select(e => $"{e.Key}={e.Value}")
            .Append($"{TieringVariable}=0").Select(Marshal.StringToCoTaskMemUTF8).ToList();
        _ = NativeMethods.Execve("/proc/self/exe\0"u8.ToArray(), [.. argv, IntPtr.Zero], [.. envp, IntPtr.Zero]);

        // Still here: the exec failed, so run as we are (the report says tiering was on).
        foreach (var pointer in argv.Concat(envp))
        {
            Marshal.FreeCoTaskMem(pointer);
        }
    }

    /// <summary>
    /// Gives the calling thread the lowest priority (Linux: nice 19, which needs no privilege), so
    /// that the generator's bookkeeping gets fewer turns on the event loop's core. It does not get
    /// shorter ones: each turn can still take a few milliseconds.
    /// </summary>
    public static void LowerThisThread()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = NativeMethods.SetPriority(0, NativeMethods.GetTid(), 19);
        }
    }

    private static bool TieringSetExplicitly() =>
        Environment.GetEnvironmentVariable(TieringVariable) is not null || Environment.GetEnvironmentVariable("COMPlus_TieredCompilation") is not null
        || AppContext.GetData("System.Runtime.TieredCompilation") is not null;

    private static bool ReadTiering()
    {
        var variable = Environment.GetEnvironmentVariable(TieringVariable) ?? Environment.GetEnvironmentVariable("COMPlus_TieredCompilation");
        if (variable is not null)
        {
            return variable.Trim() is not ("0" or "0x0");
        }

        return AppContext.GetData("System.Runtime.TieredCompilation") is not (false or "false" or "False");
    }

    private static IntPtr Copy(ReadOnlySpan<byte> bytes)
    {
        var pointer = Marshal.AllocCoTaskMem(bytes.Length);
        Marshal.Copy(bytes.ToArray(), 0, pointer, bytes.Length);
        return pointer;
    }

    private static class NativeMethods
    {
        // Blittable arguments (a NUL-terminated path, arrays of pointers ending in null): no marshalling stub.
        [DllImport("libc", EntryPoint = "execve", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Execve(byte[] path, IntPtr[] argv, IntPtr[] envp);

        // PRIO_PROCESS (0) with a thread id sets that one thread's nice value on Linux.
        [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int SetPriority(int which, int who, int priority);

        [DllImport("libc", EntryPoint = "gettid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int GetTid();
    }
}
