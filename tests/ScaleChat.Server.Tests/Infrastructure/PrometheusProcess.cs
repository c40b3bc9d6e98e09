using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>
/// A real Prometheus server as a child process: a free loopback port, a temporary configuration
/// that scrapes one target every second, and its HTTP API. Killed (by its own PID) on dispose.
/// </summary>
public sealed class PrometheusProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly string _directory;
    private readonly Uri _api;

    private PrometheusProcess(Process process, string directory, Uri api)
    {
        _process = process;
        _directory = directory;
        _api = api;
    }

    public static async Task<PrometheusProcess> StartAsync(string prometheus, string target)
    {
        var directory = Directory.CreateTempSubdirectory("scalechat-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: scalechat
                static_configs:
                  - targets: ["{target}"]
            """);
        var port = Observability.FreePort();
        var info = new ProcessStartInfo(prometheus)
        {
            ArgumentList =
            {
                $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new PrometheusProcess(process, directory, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>The value of an instant query with one result; NaN while there is none (or Prometheus is not up yet).</summary>
    public async Task<double> QueryAsync(string query)
    {
        Assert.False(_process.HasExited, "prometheus exited");
        try
        {
            var json = await Http.GetStringAsync(new Uri(_api, "api/v1/query?query=" + Uri.EscapeDataString(query)));
            var result = JsonDocument.Parse(json).RootElement.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0
                ? double.NaN
                : double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        }
        catch (HttpRequestException)
        {
            return double.NaN;
        }
        catch (TaskCanceledException)
        {
            return double.NaN;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }
        }
        finally
        {
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
