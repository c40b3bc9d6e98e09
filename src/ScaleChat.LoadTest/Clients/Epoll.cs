using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// The few Linux calls the event loop needs: epoll (level-triggered), an eventfd to wake it, and
/// close. Blittable arguments only, so no marshalling stub and no unsafe code.
/// </summary>
internal static class Epoll
{
    public const uint In = 0x001, Out = 0x004, Err = 0x008, Hup = 0x010, RdHup = 0x2000;
    private const int CtlAdd = 1, CtlDel = 2, CtlMod = 3;
    private const int CloExec = 0x80000, NonBlock = 0x800;
    private const int EIntr = 4, ENoSys = 38;

    /// <summary>Bytes per <c>struct epoll_event</c>: packed on x86-64, aligned elsewhere.</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = EventSize - 8;
    private static bool _noPwait2;

    public static int Create() => Check(NativeMethods.EpollCreate1(CloExec), "epoll_create1");

    public static int CreateWakeFd() => Check(NativeMethods.EventFd(0, CloExec | NonBlock), "eventfd");

    public static void Add(int epoll, int fd, uint events, ulong data) => Control(epoll, CtlAdd, fd, events, data);

    public static void Modify(int epoll, int fd, uint events, ulong data) => Control(epoll, CtlMod, fd, events, data);

    public static void Remove(int epoll, int fd) => _ = NativeMethods.EpollCtl(epoll, CtlDel, fd, new byte[16]);

    /// <summary>
    /// Waits for events at most <paramref name="timeoutNs"/> nanoseconds (negative: without a
    /// limit); returns how many were written into <paramref name="events"/>.
    /// </summary>
    public static int Wait(int epoll, byte[] events, long timeoutNs)
    {
        var max = events.Length / EventSize;
        while (true)
        {
            int n;
            if (!_noPwait2)
            {
                n = timeoutNs < 0
                    ? NativeMethods.EpollPwait2(epoll, events, max, IntPtr.Zero, IntPtr.Zero)
                    : NativeMethods.EpollPwait2(epoll, events, max, new Timespec(timeoutNs / 1_000_000_000, timeoutNs % 1_000_000_000), IntPtr.Zero);
                if (n < 0 && Marshal.GetLastPInvokeError() == ENoSys)
                {
                    _noPwait2 = true;
                    continue;
                }
            }
            else
            {
                // Kernels before 5.11: millisecond timeouts, rounded up so that a wait never ends early.
                n = NativeMethods.EpollWait(epoll, events, max, timeoutNs < 0 ? -1 : (int)Math.Min(int.MaxValue, (timeoutNs + 999_999) / 1_000_000));
            }

            if (n >= 0)
            {
                return n;
            }

            if (Marshal.GetLastPInvokeError() != EIntr)
            {
                throw new IOException($"epoll_wait failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
    }

    public static uint EventsAt(byte[] events, int i) => BinaryPrimitives.ReadUInt32LittleEndian(events.AsSpan(i * EventSize));

    public static ulong DataAt(byte[] events, int i) => BinaryPrimitives.ReadUInt64LittleEndian(events.AsSpan((i * EventSize) + DataOffset));

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        _ = NativeMethods.Write(eventFd, ref one, 8);
    }

    public static void DrainSignal(int eventFd)
    {
        ulong count = 0;
        _ = NativeMethods.Read(eventFd, ref count, 8);
    }

    public static void Close(int fd) => _ = NativeMethods.Close(fd);

    private static void Control(int epoll, int op, int fd, uint events, ulong data)
    {
        var e = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(e, events);
        BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(DataOffset), data);
        if (NativeMethods.EpollCtl(epoll, op, fd, e) < 0)
        {
            throw new IOException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static int Check(int result, string call) =>
        result >= 0 ? result : throw new IOException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct Timespec(long seconds, long nanoseconds)
    {
        public readonly long Seconds = seconds;
        public readonly long Nanoseconds = nanoseconds;
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int EpollCreate1(int flags);

        [DllImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int EpollCtl(int epoll, int op, int fd, byte[] eventData);

        [DllImport("libc", EntryPoint = "epoll_pwait2", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int EpollPwait2(int epoll, byte[] events, int maxEvents, in Timespec timeout, IntPtr signalMask);

        [DllImport("libc", EntryPoint = "epoll_pwait2", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int EpollPwait2(int epoll, byte[] events, int maxEvents, IntPtr noTimeout, IntPtr signalMask);

        [DllImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int EpollWait(int epoll, byte[] events, int maxEvents, int timeoutMs);

        [DllImport("libc", EntryPoint = "eventfd", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int EventFd(uint initial, int flags);

        [DllImport("libc", EntryPoint = "read", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern nint Read(int fd, ref ulong value, nint count);

        [DllImport("libc", EntryPoint = "write", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern nint Write(int fd, ref ulong value, nint count);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int fd);
    }
}
