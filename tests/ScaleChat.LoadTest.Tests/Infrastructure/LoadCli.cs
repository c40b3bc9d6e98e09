using System.CommandLine;
using System.Text.Json;
using ScaleChat.Cli.Load;

namespace ScaleChat.LoadTest.Tests.Infrastructure;

/// <summary>What one <c>scalechat load</c> did: its exit code, its output, and report.json when it wrote one.</summary>
public sealed record LoadRun(int ExitCode, string Output, string Error, JsonElement Report, string ReportDirectory)
{
    /// <summary>report.html; a run that wrote none fails the test with what it printed.</summary>
    public string Html => File.Exists(Path.Combine(ReportDirectory, "report.html")) ? File.ReadAllText(Path.Combine(ReportDirectory, "report.html"))
        : throw new Xunit.Sdk.XunitException($"no report.html (exit {ExitCode}): {Output}{Error}");

    /// <summary>report.json; a run that wrote none fails the test with what it printed.</summary>
    public JsonElement Json => Report.ValueKind == JsonValueKind.Object ? Report
        : throw new Xunit.Sdk.XunitException($"no report.json (exit {ExitCode}): {Output}{Error}");

    public long Long(string name) => Json.GetProperty(name).GetInt64();

    public double LatencyMs(string percentile) => Json.GetProperty("latencyMs").GetProperty(percentile).GetDouble();
}

/// <summary>
/// Runs <c>scalechat load</c> in this process, with the command line the way the executable parses
/// it, a made-up environment and captured output. Every run is bounded in time.
/// </summary>
public static class LoadCli
{
    public static async Task<LoadRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var report = Path.Combine(Path.GetTempPath(), "scalechat-load-tests", Guid.NewGuid().ToString("N"));
        var arguments = new List<string> { "load" };
        arguments.AddRange(args);
        if (!arguments.Contains("--report"))
        {
            arguments.AddRange(["--report", report]);
        }
        else
        {
            report = arguments[arguments.IndexOf("--report") + 1];
        }

        var output = new StringWriter();
        var error = new StringWriter();
        var root = new RootCommand { LoadCommand.Create(name => environment?.GetValueOrDefault(name), TextWriter.Synchronized(output), TextWriter.Synchronized(error)) };
        var parse = root.Parse(arguments);
        int exit;
        if (parse.Errors.Count > 0)
        {
            await error.WriteLineAsync($"scalechat: {parse.Errors[0].Message}");
            exit = 2;
        }
        else
        {
            exit = await parse.InvokeAsync().WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        }

        var file = Path.Combine(report, "report.json");
        var json = File.Exists(file) ? JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.Clone() : default;
        return new LoadRun(exit, output.ToString(), error.ToString(), json, report);
    }

    /// <summary>A short run: no warm-up, two seconds measured, a bounded drain; <paramref name="more"/> flags override these.</summary>
    public static string[] Short(Uri url, params string[] more)
    {
        var flags = new Dictionary<string, string?> { ["--url"] = url.ToString(), ["--warmup"] = "0s", ["--duration"] = "2s", ["--drain"] = "3s", ["--ramp"] = "1000" };
        for (var i = 0; i < more.Length; i++)
        {
            var value = i + 1 < more.Length && !more[i + 1].StartsWith("--", StringComparison.Ordinal) ? more[i + 1] : null;
            flags[more[i]] = value;
            i += value is null ? 0 : 1;
        }

        return [.. flags.SelectMany(f => f.Value is null ? new[] { f.Key } : [f.Key, f.Value])];
    }
}
