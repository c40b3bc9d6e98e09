using System.Globalization;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Running;

/// <summary>
/// Checks a workload against the server's announced limits and this machine's before the run, so
/// that rejections the plan causes are not taken for server failures.
/// </summary>
public static class PlanCheck
{
    /// <summary>Ephemeral ports one source address can use towards one server port (32768-60999).</summary>
    public const int PortsPerSourceAddress = 28_000;

    public static List<string> Warnings(LoadSettings settings, ProtocolLimits? limits, long openFileLimit)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var inv = CultureInfo.InvariantCulture;
        var warnings = new List<string>();
        if (limits is not null)
        {
            if (settings.RatePerPublisher > limits.MessagesPerSecond)
            {
                warnings.Add(string.Create(inv, $"each publisher would send {settings.RatePerPublisher:0.##} msg/s but the server allows {limits.MessagesPerSecond}/s per connection (burst {limits.Burst}): expect rate_limited errors and closes with 4029; use more --publishers or raise the server's ScaleChat:Limits:MessagesPerSecond"));
            }

            if (settings.SizeMax > limits.MaxMessageBytes)
            {
                warnings.Add(string.Create(inv, $"messages of up to {settings.SizeMax} bytes are over the server's maxMessageBytes {limits.MaxMessageBytes}: expect too_large errors"));
            }
        }

        var perProcess = (settings.Clients + settings.Workers - 1) / settings.Workers;
        if (openFileLimit > 0 && perProcess + 100 > openFileLimit)
        {
            var workers = (int)Math.Ceiling(settings.Clients / (double)Math.Max(1, openFileLimit - 500));
            warnings.Add(string.Create(inv, $"{perProcess:N0} connections in one process need as many open files, and a process may open {openFileLimit:N0} here: use --workers {workers} or more"));
        }

        if (settings.Clients > (long)settings.SourceAddresses * PortsPerSourceAddress && IsLoopback(settings.Url))
        {
            warnings.Add(string.Create(inv, $"{settings.Clients:N0} connections from {settings.SourceAddresses} loopback source addresses may run out of ports (about {PortsPerSourceAddress:N0} each): raise --sources"));
        }

        return warnings;
    }

    /// <summary>What the plan expects the server to deliver each second.</summary>
    public static double ExpectedDeliveriesPerSecond(LoadSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Rate * (((1 - settings.PrivateShare) * settings.Clients / settings.Rooms) + (2 * settings.PrivateShare));
    }

    /// <summary>The soft limit on open files of this process (Linux), or 0 when unknown.</summary>
    public static long OpenFileLimit()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts is { Length: > 3 } && long.TryParse(parts[3], out var soft) ? soft : 0;
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || (System.Net.IPAddress.TryParse(url.Host, out var a) && System.Net.IPAddress.IsLoopback(a));
}
