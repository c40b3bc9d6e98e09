using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ScaleChat.Client;
using ScaleChat.Server.Identity;

namespace ScaleChat.Benchmarks;

/// <summary>
/// What identity checks cost per connection: starts a server build as its own process in open mode
/// (name holds) and then in token mode (HS256), opens the same number of connections to each, every
/// one saying hello and waiting for welcome, and reports the connect rate and the server's CPU time
/// per connection (from /proc, so the clients' own cost is not counted). The modes alternate for
/// the given number of rounds. First it times the token check alone, in this process, for each
/// algorithm the server accepts.
/// Usage: connect-cost --server DIR/scalechat.dll [--connections 5000] [--concurrency 64] [--rounds 2]
///   [--where hello|header]
/// </summary>
internal static class ConnectCost
{
    private const string Secret = "connect-cost-benchmark-secret-32-bytes";

    public static async Task<int> RunAsync(string[] args)
    {
        var dll = Probe.Flag(args, "--server") ?? throw new ArgumentException("--server DIR/scalechat.dll is required");
        var connections = Probe.Int(args, "--connections", 5000);
        var concurrency = Probe.Int(args, "--concurrency", 64);
        var rounds = Probe.Int(args, "--rounds", 2);
        var inHeader = Probe.Flag(args, "--where") == "header";
        await TimeTokenChecksAsync();
        Console.WriteLine($"{connections} connections, {concurrency} at a time, {rounds} rounds; token {(inHeader ? "in the Authorization header" : "in hello")}");
        Console.WriteLine("| mode | round | connections | seconds | connections/s | server CPU per connection |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var token in new[] { false, true })
            {
                string[] settings = token
                    ? ["ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:Secret={Secret}", "ScaleChat:SummaryInterval=00:00:00", "Logging:LogLevel:Default=Warning"]
                    : ["ScaleChat:SummaryInterval=00:00:00", "Logging:LogLevel:Default=Warning"];
                await using var server = await ServerProcess.StartAsync(dll, ServerProcess.FreePort(), settings, null);
                // A first batch, not counted, so that the JIT and the pools are warm when counting starts.
                foreach (var socket in await OpenAsync(server.WebSocketUrl, Math.Min(connections, 1000), concurrency, token, inHeader, "warm"))
                {
                    socket.Abort();
                    socket.Dispose();
                }

                await Task.Delay(TimeSpan.FromSeconds(2));
                var cpuBefore = CpuTime(server.Pid);
                var watch = Stopwatch.StartNew();
                var sockets = await OpenAsync(server.WebSocketUrl, connections, concurrency, token, inHeader, "user");
                var elapsed = watch.Elapsed;
                var cpu = CpuTime(server.Pid) - cpuBefore;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(token ? "token (HS256)" : "open (name holds)")} | {round} | {sockets.Count:N0} | {elapsed.TotalSeconds:F2} | {sockets.Count / elapsed.TotalSeconds:N0} | {cpu.TotalMicroseconds / sockets.Count:N0} µs |"));
                foreach (var socket in sockets)
                {
                    socket.Abort();
                    socket.Dispose();
                }
            }
        }

        return 0;
    }

    private static async Task<List<ClientWebSocket>> OpenAsync(Uri url, int count, int concurrency, bool token, bool inHeader, string prefix)
    {
        var sockets = new List<ClientWebSocket>(count);
        var next = 0;
        var invoker = new HttpMessageInvoker(new SocketsHttpHandler());
        async Task WorkAsync()
        {
            var buffer = new byte[4096];
            while (Interlocked.Increment(ref next) is var i && i <= count)
            {
                var name = $"{prefix}{i}";
                var jwt = token ? ChatTokens.Issue(Secret, name, TimeSpan.FromHours(1)) : null;
                var socket = new ClientWebSocket();
                socket.Options.AddSubProtocol("scalechat.v1");
                if (jwt is not null && inHeader)
                {
                    socket.Options.SetRequestHeader("Authorization", $"Bearer {jwt}");
                }

                await socket.ConnectAsync(url, invoker, CancellationToken.None);
                var hello = jwt is null ? $$"""{"type":"hello","name":"{{name}}"}"""
                    : inHeader ? """{"type":"hello"}""" : $$"""{"type":"hello","token":"{{jwt}}"}""";
                await socket.SendAsync(Encoding.UTF8.GetBytes(hello), WebSocketMessageType.Text, true, CancellationToken.None);
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (!Encoding.UTF8.GetString(buffer, 0, received.Count).Contains("\"welcome\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"no welcome for {name}: {Encoding.UTF8.GetString(buffer, 0, received.Count)}");
                }

                lock (sockets)
                {
                    sockets.Add(socket);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkAsync)));
        return sockets;
    }

    /// <summary>The server's token check alone (signature, lifetime, sub, rooms), one thread, after a warm-up.</summary>
    private static async Task TimeTokenChecksAsync()
    {
        const int checks = 20_000;
        using var rsa = RSA.Create(2048);
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var jwks = Path.GetTempFileName();
        try
        {
            var rsaKey = rsa.ExportParameters(false);
            var ecKey = ecdsa.ExportParameters(false);
            await File.WriteAllTextAsync(jwks, System.Text.Json.JsonSerializer.Serialize(new
            {
                keys = new object[]
                {
                    new { kty = "RSA", kid = "r", n = Base64UrlEncoder.Encode(rsaKey.Modulus), e = Base64UrlEncoder.Encode(rsaKey.Exponent) },
                    new { kty = "EC", kid = "e", crv = "P-256", x = Base64UrlEncoder.Encode(ecKey.Q.X), y = Base64UrlEncoder.Encode(ecKey.Q.Y) },
                },
            }));
            var withSecret = new TokenValidator(new AuthOptions { Mode = AuthMode.Token, Secret = Secret });
            var withKeys = new TokenValidator(new AuthOptions { Mode = AuthMode.Token, JwksFile = jwks });
            var cases = new (string Name, TokenValidator Validator, string Token)[]
            {
                ("HS256", withSecret, ChatTokens.Issue(Secret, "alice", TimeSpan.FromHours(1), ["dev", "team-*"])),
                ("RS256", withKeys, Sign(new RsaSecurityKey(rsa) { KeyId = "r" }, SecurityAlgorithms.RsaSha256)),
                ("ES256", withKeys, Sign(new ECDsaSecurityKey(ecdsa) { KeyId = "e" }, SecurityAlgorithms.EcdsaSha256)),
            };
            Console.WriteLine("| token check alone | µs of CPU per check |");
            Console.WriteLine("|---|---:|");
            foreach (var (name, validator, token) in cases)
            {
                for (var i = 0; i < 2_000; i++)
                {
                    _ = (await validator.ValidateAsync(token)).Identity ?? throw new InvalidOperationException($"{name} token refused");
                }

                // CPU time rather than wall time: on a shared machine the wait for a core is not the check's cost.
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                for (var i = 0; i < checks; i++)
                {
                    await validator.ValidateAsync(token);
                }

                var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {spent.TotalMicroseconds / checks:F1} |"));
            }

            Console.WriteLine();
        }
        finally
        {
            File.Delete(jwks);
        }
    }

    private static string Sign(SecurityKey key, string algorithm) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["sub"] = "alice" },
        Expires = DateTime.UtcNow.AddHours(1),
        SigningCredentials = new SigningCredentials(key, algorithm),
    });

    /// <summary>User plus system CPU time of a process, from /proc/PID/stat (clock ticks of 10 ms).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
