using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// A fuzz run against a real server: several connections throw over a hundred thousand malformed
/// inputs at it (mutated objects of every type before and after hello, legacy frames, random text,
/// invalid UTF-8 and WebSocket protocol violations on short-lived raw connections) while two clean
/// clients chat in a room. The seed is printed; SCALECHAT_FUZZ_SEED runs the same inputs again.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed partial class FuzzTests(RunReport report) : IClassFixture<RunReport>
{
    [GeneratedRegex(@"(.)\1{15,}", RegexOptions.Singleline)]
    private static partial Regex RepeatedRun();

    private const string CleanRoom = "clean";
    private const int MinimumInputs = 100_000;
    private const int V1Workers = 4, V1InputsPerWorker = 40_000;
    private const int LegacyInputs = 20_000;
    private const int BeforeHelloConnections = 2_500;
    private const int RawConnections = 400;

    /// <summary>The fuzzing stops here whatever is left; fewer inputs than the minimum then fails the test.</summary>
    private static readonly TimeSpan FuzzTimeLimit = TimeSpan.FromSeconds(55);

    [Fact]
    public async Task TheServerSurvivesAHundredThousandFuzzedInputsAndReleasesEveryConnection()
    {
        var seed = Environment.GetEnvironmentVariable("SCALECHAT_FUZZ_SEED") is { Length: > 0 } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        report.Line($"fuzz: seed {seed} (SCALECHAT_FUZZ_SEED={seed} repeats these inputs)");
        var findings = new Findings();
        var watch = Stopwatch.StartNew();
        var fuzzTime = TimeSpan.Zero;
        try
        {
            await using var server = await TestServer.StartAsync(
                "ScaleChat:Limits:MessagesPerSecond=1000000", "ScaleChat:Limits:Burst=1000000",
                "ScaleChat:HistorySize=20", "ScaleChat:ShutdownTimeout=00:00:03");
            await using var clean = await CleanPair.StartAsync(server);
            var baseline = (Open: server.OpenConnections(), Slots: server.ConnectionSlotsTaken(), Watched: server.WatchedByKeepAlive());

            using var stop = new CancellationTokenSource(FuzzTimeLimit);
            var cleanRun = clean.RunAsync(stop.Token);
            var workers = Enumerable.Range(0, V1Workers).Select(i => RunV1WorkerAsync(server, seed, i, findings, stop.Token))
                .Append(RunLegacyWorkerAsync(server, seed, findings, stop.Token))
                .Append(RunBeforeHelloWorkerAsync(server, seed, findings, stop.Token))
                .Append(RunRawWorkerAsync(server, seed, findings, stop.Token))
                .ToArray();
            await Task.WhenAll(workers).WaitAsync(FuzzTimeLimit + TimeSpan.FromSeconds(30));
            fuzzTime = watch.Elapsed;
            if (findings.Inputs < MinimumInputs)
            {
                findings.Problem($"only {findings.Inputs} inputs in {FuzzTimeLimit.TotalSeconds} s (at least {MinimumInputs} expected)");
            }

            await clean.StopAsync();
            if (await Task.WhenAny(cleanRun, Task.Delay(TimeSpan.FromSeconds(30))) != cleanRun)
            {
                findings.Problem("the clean clients had not finished their exchange 30 s after the fuzzing");
            }

            clean.Check(findings);

            // Every fuzz connection is closed by now: only the clean clients may hold a slot.
            var left = await EventuallyAsync(() => (Open: server.OpenConnections(), Slots: server.ConnectionSlotsTaken(), Watched: server.WatchedByKeepAlive()), c => c == baseline, TimeSpan.FromSeconds(5));
            if (left != baseline)
            {
                findings.Problem($"fuzz connections not released: {left.Open - baseline.Open} still held ({left.Slots - baseline.Slots} slots, {left.Watched - baseline.Watched} watched by the keep-alive)");
            }

            await CheckServerAnswersAsync(server, findings);
            await ReplayIncidentsAsync(server, findings);
        }
        finally
        {
            report.Line($"fuzz: seed {seed}: {findings.Summary(fuzzTime == TimeSpan.Zero ? watch.Elapsed : fuzzTime)}");
        }

        Assert.True(findings.Problems.Count == 0, $"fuzz seed {seed}: " + string.Join("\n", findings.Problems));
    }

    private static async Task CheckServerAnswersAsync(TestServer server, Findings findings)
    {
        try
        {
            using var health = await Observability.GetAsync(server, "/healthz").WaitAsync(TimeSpan.FromSeconds(5));
            if (health.StatusCode != HttpStatusCode.OK)
            {
                findings.Problem($"/healthz answered {(int)health.StatusCode} after the fuzzing");
            }

            var (client, _) = await WsClient.HelloAsync(server.WsUrl, "after-fuzz").WaitAsync(TimeSpan.FromSeconds(5));
            await using var c = client;
            await client.SendAsync(new { type = "ping", @ref = "alive" });
            await client.ExpectAsync("pong", TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or IOException or HttpRequestException or System.Net.WebSockets.WebSocketException or OperationCanceledException)
        {
            findings.Problem($"the server no longer answers after the fuzzing: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = read();
            if (done(value) || watch.Elapsed > within)
            {
                return value;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>What the run saw, from every worker at once.</summary>
    private sealed class Findings
    {
        private const int MaxSamples = 20;

        private readonly ConcurrentDictionary<string, long> _inputs = new();
        private readonly ConcurrentDictionary<string, long> _closes = new();
        private readonly ConcurrentQueue<string> _problems = new();
        private readonly ConcurrentQueue<Incident> _incidents = new();
        private long _internalErrors;
        private long _connections;

        public long Inputs => _inputs.Values.Sum();

        public IReadOnlyCollection<string> Problems => _problems;

        public IReadOnlyCollection<Incident> Incidents => _incidents;

        public void Input(string category, int count = 1) => _inputs.AddOrUpdate(category, count, (_, n) => n + count);

        public void Connected() => Interlocked.Increment(ref _connections);

        /// <summary>
        /// A connection ended with <paramref name="code"/> (null: no close frame). 1011 is always a
        /// problem; any other code outside <paramref name="allowed"/> too.
        /// </summary>
        public void Closed(string category, int? code, IReadOnlyCollection<int?> allowed, IReadOnlyList<string> recent)
        {
            _closes.AddOrUpdate($"{category} {Describe(code)}", 1, (_, n) => n + 1);
            if (code == 1011)
            {
                if (_incidents.Count < MaxSamples)
                {
                    _incidents.Enqueue(new Incident(category, [.. recent]));
                }
            }
            else if (!allowed.Contains(code))
            {
                Problem($"a {category} connection ended with {Describe(code)}, expected {string.Join(" or ", allowed.Select(Describe))}; "
                    + $"last input: {Shorten(recent.LastOrDefault())}");
            }
        }

        public void InternalError(string frame)
        {
            if (Interlocked.Increment(ref _internalErrors) <= 3)
            {
                Problem("an 'internal' error reached a client: " + Shorten(frame));
            }
        }

        public void Problem(string text)
        {
            if (_problems.Count < MaxSamples * 2)
            {
                _problems.Enqueue(text);
            }
        }

        public string Summary(TimeSpan elapsed)
        {
            var closes = string.Join(", ", _closes.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}: {c.Value}"));
            var byCategory = string.Join(", ", _inputs.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
            var closed1011 = _closes.Where(c => c.Key.EndsWith(" 1011", StringComparison.Ordinal)).Sum(c => c.Value);
            return $"{Inputs} inputs in {elapsed.TotalSeconds:F1} s ({byCategory}) on {_connections} connections; "
                + $"closed with 1011: {closed1011}; 'internal' errors: {_internalErrors}; close codes seen: {closes}";
        }

        /// <summary>A close code as reported: null is no close frame, -1 no close in time.</summary>
        public static string Describe(int? code) => code switch
        {
            null => "none",
            -1 => "no close in time",
            _ => code.Value.ToString(CultureInfo.InvariantCulture),
        };

        /// <summary>An input as it can be read in a report: long runs of one character counted, the rest cut at 400 characters.</summary>
        public static string Shorten(string? text)
        {
            if (text is null)
            {
                return "(none)";
            }

            var runs = RepeatedRun().Replace(text, m => $"{m.Value[0]}<x{m.Length}>");
            return runs.Length <= 400 ? runs : $"{runs[..400]}... ({text.Length} chars)";
        }
    }

    /// <summary>A connection that ended with 1011, with the inputs it sent last (oldest first).</summary>
    private sealed record Incident(string Category, IReadOnlyList<string> Recent);
}
