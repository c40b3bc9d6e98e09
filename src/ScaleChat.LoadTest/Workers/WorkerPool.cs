using System.Diagnostics;
using System.Text.Json;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Reports;
using ScaleChat.LoadTest.Running;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol;

namespace ScaleChat.LoadTest.Workers;

/// <summary>
/// Runs a workload in several processes, each driving whole rooms, and merges what they report:
/// every second's samples (histograms merged, not averaged) and at the end their results.
/// A worker writes one line per second, <c>sample {json}</c>, and a last line, <c>result {json}</c>.
/// </summary>
public sealed class WorkerPool(WorkerLauncher launcher, TextWriter output)
{
    public const string SamplePrefix = "sample ";
    public const string ResultPrefix = "result ";

    private readonly Lock _gate = new();

    public async Task<RunResult> RunAsync(LoadSettings settings, ProtocolLimits? limits, List<string> warnings, Action<Sample> onSample, CancellationToken cancellationToken)
    {
        var count = settings.Workers;
        var samples = Enumerable.Range(0, count).Select(_ => new List<Sample>()).ToArray();
        var results = new RunResult?[count];
        var lastError = new string?[count];
        var emitted = 0;
        var processes = new List<Process>();
        var cores = WorkerAffinity.Plan(count);
        var bound = TimeSpan.FromSeconds((settings.Clients / settings.Ramp) + 60) + settings.Warmup + settings.Duration + settings.Drain;
        try
        {
            var reading = new List<Task>();
            for (var i = 0; i < count; i++)
            {
                var slice = settings with { RawFile = RawPart(settings.RawFile, i), SliceIndex = i, SliceCount = count, Workers = 1, ReportDir = null, Slo = null, Search = null };
                var process = Process.Start(launcher.StartInfo(JsonSerializer.Serialize(slice, LoadJsonContext.Default.LoadSettings)))
                    ?? throw new LoadException($"could not start worker {i}");
                processes.Add(process);
                cores[i] = WorkerAffinity.Pin(process, cores[i]);
                var index = i;
                reading.Add(ReadLinesAsync(process.StandardOutput, line =>
                {
                    if (line.StartsWith(SamplePrefix, StringComparison.Ordinal))
                    {
                        var sample = JsonSerializer.Deserialize(line.AsSpan(SamplePrefix.Length), LoadJsonContext.Default.Sample)!;
                        lock (_gate)
                        {
                            samples[index].Add(sample);
                            for (; samples.All(s => s.Count > emitted); emitted++)
                            {
                                onSample(Sample.Merge([.. samples.Select(s => s[emitted])]));
                            }
                        }
                    }
                    else if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                    {
                        results[index] = JsonSerializer.Deserialize(line.AsSpan(ResultPrefix.Length), LoadJsonContext.Default.RunResult);
                    }
                }));
                reading.Add(ReadLinesAsync(process.StandardError, line =>
                {
                    lastError[index] = line;
                    lock (_gate)
                    {
                        output.WriteLine($"worker {index}: {line}");
                    }
                }));
            }

            await Task.WhenAll(reading).WaitAsync(bound, cancellationToken).ConfigureAwait(false);
            foreach (var process in processes)
            {
                await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            throw new LoadException($"the workers did not finish within {bound.TotalSeconds:0}s");
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                process.Dispose();
            }
        }

        for (var i = 0; i < count; i++)
        {
            if (results[i] is null)
            {
                throw new LoadException($"worker {i} ended without a result{(lastError[i] is { } e ? ": " + e : "")}");
            }
        }

        if (settings.RawFile is { } raw)
        {
            await JoinRawPartsAsync(raw, count, cancellationToken).ConfigureAwait(false);
        }

        var merged = RunResult.Merge([.. results.Select(r => r!)]);
        return merged with
        {
            ServerLimits = limits,
            Warnings = [.. warnings.Union(merged.Warnings)],
            WorkerCores = [.. cores.Select(c => c is { } core ? core.ToString(System.Globalization.CultureInfo.InvariantCulture) : "any")],
        };
    }

    private static string? RawPart(string? raw, int worker) => raw is null ? null : $"{raw}.part{worker}";

    // One file, as a single process writes it: the workers' parts one after another.
    private static async Task JoinRawPartsAsync(string raw, int count, CancellationToken cancellationToken)
    {
        await using var joined = new FileStream(raw, FileMode.Create, FileAccess.Write);
        for (var i = 0; i < count; i++)
        {
            var part = RawPart(raw, i)!;
            if (File.Exists(part))
            {
                await using (var input = File.OpenRead(part))
                {
                    await input.CopyToAsync(joined, cancellationToken).ConfigureAwait(false);
                }

                File.Delete(part);
            }
        }
    }

    private static async Task ReadLinesAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            onLine(line);
        }
    }

    /// <summary>The worker's side: runs its slice and writes samples and the result to <paramref name="stdout"/>.</summary>
    public static async Task<int> RunWorkerAsync(string settingsJson, TextWriter stdout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        var settings = JsonSerializer.Deserialize(settingsJson, LoadJsonContext.Default.LoadSettings)
            ?? throw new LoadException("the worker's settings are empty");
        var gate = new Lock();
        var runner = new LoadRunner(settings, sample =>
        {
            lock (gate)
            {
                stdout.WriteLine(SamplePrefix + JsonSerializer.Serialize(sample, LoadJsonContext.Default.Sample));
                stdout.Flush();
            }
        });
        var result = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            stdout.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, LoadJsonContext.Default.RunResult));
            stdout.Flush();
        }

        return 0;
    }
}
