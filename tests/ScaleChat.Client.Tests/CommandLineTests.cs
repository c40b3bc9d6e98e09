using System.Net;
using System.Net.Sockets;
using ScaleChat.Client.Tests.Infrastructure;

namespace ScaleChat.Client.Tests;

/// <summary>The <c>scalechat</c> executable's answers to a wrong command line, as a new user meets them.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData("--bogus", "--urls", "http://127.0.0.1:0")]
    [InlineData("--urls", "http://127.0.0.1:0", "--prot", "9000")]
    [InlineData("--node", "n1", "--verbose", "--urls", "http://127.0.0.1:0")]
    public async Task ServeRefusesAnUnknownOptionNamingIt(params string[] flags)
    {
        var unknown = flags.First(f => f is "--bogus" or "--prot" or "--verbose");
        var (code, stdout, stderr) = await CliProcess.RunAsync(null, ["serve", .. flags]);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal([$"scalechat: unknown option '{unknown}'; other settings are written --Section:Key=value (see --help)"], CliProcess.Lines(stderr));
    }

    [Theory]
    [InlineData("--ScaleChat:MaxConnections=many")]
    [InlineData("--ScaleChat:MaxConnections", "many")]
    public async Task ServeStillTakesSettingsInEitherForm(params string[] setting)
    {
        // The bad value reaching the server's configuration proves the setting was passed on.
        var (code, _, stderr) = await CliProcess.RunAsync(null, ["serve", "--urls", "http://127.0.0.1:0", .. setting]);
        Assert.Equal(2, code);
        var line = Assert.Single(CliProcess.Lines(stderr));
        Assert.StartsWith("scalechat serve:", line, StringComparison.Ordinal);
        Assert.Contains("MaxConnections", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeOnAPortInUseSaysSoInOneLineAndNothingElse()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, stdout, stderr) = await CliProcess.RunAsync(new Dictionary<string, string> { ["Logging__Console__FormatterName"] = "simple" },
            "serve", "--urls", $"http://127.0.0.1:{port}");

        Assert.Equal(2, code);
        Assert.Equal([$"scalechat serve: Failed to bind to address http://127.0.0.1:{port}: address already in use."], CliProcess.Lines(stderr));
        Assert.DoesNotContain("started", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("notaurl")]
    [InlineData("ftp://127.0.0.1/healthz")]
    public async Task HealthWithABadUrlSaysWhatIsWrong(string url)
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(null, "health", "--url", url);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal([$"scalechat: --url must be an http:// or https:// URL, not '{url}' (see --help)"], CliProcess.Lines(stderr));
    }

    [Theory]
    [InlineData("serve")]
    [InlineData("health")]
    [InlineData("chat")]
    [InlineData("load")]
    [InlineData("token")]
    public async Task HelpWritesDefaultsOneWayAndBalancedUsage(string command)
    {
        var (code, help, _) = await CliProcess.RunAsync(null, command, "--help");
        Assert.Equal(0, code);
        Assert.DoesNotContain("[default:", help, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\(default [^:]|, default\)", help);
        Assert.DoesNotContain("[SCALECHAT_", help, StringComparison.Ordinal);
        var usage = CliProcess.Lines(help).SkipWhile(l => l != "Usage:").ElementAt(1);
        Assert.StartsWith($"scalechat {command}", usage, StringComparison.Ordinal);
        Assert.Equal(usage.Count(c => c == '['), usage.Count(c => c == ']'));
        Assert.Equal(usage.Count(c => c == '<'), usage.Count(c => c == '>'));
    }
}
