using System.CommandLine;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ScaleChat.Cli.Token;
using ScaleChat.Client.Tests.Infrastructure;

namespace ScaleChat.Client.Tests;

/// <summary><c>scalechat token</c>: what it prints validates as a server in token mode checks it; bad arguments get one line and exit code 2.</summary>
public sealed class TokenCommandTests
{
    private const string Secret = "token-command-secret-of-32-bytes-or-more";

    /// <summary>Runs the command in this process, parsed as the executable parses it, with <paramref name="configured"/> as the server's configuration.</summary>
    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string? configured, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(configured is null ? [] : [new(TokenCommand.SecretKey, configured)])
            .Build();
        var parse = new RootCommand { TokenCommand.Create(() => configuration, output, error) }.Parse(["token", .. args]);
        if (parse.Errors.Count > 0)
        {
            return (2, "", parse.Errors[0].Message);
        }

        var code = await parse.InvokeAsync().Bounded();
        return (code, output.ToString(), error.ToString());
    }

    private static async Task<JsonWebToken> ValidateAsync(string token, string secret, string? issuer = null, string? audience = null)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)),
            ValidateIssuer = issuer is not null,
            ValidIssuer = issuer,
            ValidateAudience = audience is not null,
            ValidAudience = audience,
            ClockSkew = TimeSpan.Zero,
        }).Bounded();
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    [Fact]
    public async Task ThePrintedTokenIsSignedWithTheSecretAndNamesTheUserItsRoomsAndItsExpiry()
    {
        var (code, stdout, stderr) = await RunAsync(null, "--sub", "alice", "--rooms", "dev, team-*", "--ttl", "90m", "--secret", Secret, "--issuer", "me", "--audience", "chat");

        Assert.Equal((0, ""), (code, stderr));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var token = await ValidateAsync(Assert.Single(lines).Trim(), Secret, "me", "chat");
        Assert.Equal("alice", token.Subject);
        Assert.Equal(["dev", "team-*"], token.GetPayloadValue<string[]>("rooms"));
        Assert.InRange(token.ValidTo - DateTime.UtcNow, TimeSpan.FromMinutes(89), TimeSpan.FromMinutes(90));
    }

    [Fact]
    public async Task WithoutRoomsOrTtlTheTokenAllowsEveryRoomForAnHour()
    {
        var (_, stdout, _) = await RunAsync(null, "--sub", "bob", "--secret", Secret);

        var token = await ValidateAsync(stdout.Trim(), Secret);
        Assert.False(token.TryGetPayloadValue<object>("rooms", out _));
        Assert.InRange(token.ValidTo - DateTime.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(60));
    }

    [Fact]
    public async Task WithoutSecretTheServersConfiguredSecretSigns()
    {
        var (code, stdout, _) = await RunAsync(Secret, "--sub", "carol", "--ttl", "2d");

        Assert.Equal(0, code);
        Assert.InRange((await ValidateAsync(stdout.Trim(), Secret)).ValidTo - DateTime.UtcNow, TimeSpan.FromHours(47), TimeSpan.FromHours(48));
    }

    [Theory]
    [InlineData("the secret must be at least 32 bytes", "--sub", "alice", "--secret", "short")]
    [InlineData("--sub 'not valid!' is not a valid user name", "--sub", "not valid!", "--secret", Secret)]
    [InlineData("--ttl must be a duration", "--sub", "alice", "--ttl", "forever", "--secret", Secret)]
    [InlineData("--ttl must be a duration", "--sub", "alice", "--ttl", "0s", "--secret", Secret)]
    [InlineData("--rooms: 'bad room' is not a room name", "--sub", "alice", "--rooms", "dev,bad room", "--secret", Secret)]
    [InlineData("no secret: give --secret", "--sub", "alice")]
    public async Task ABadArgumentGetsOneLineAndExitCodeTwo(string message, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(null, args);

        Assert.Equal((2, ""), (code, stdout));
        Assert.StartsWith($"scalechat token: {message}", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task TheExecutableReadsTheSecretFromTheEnvironmentAsServeDoes()
    {
        var (code, stdout, stderr) = await CliProcess.RunAsync(new Dictionary<string, string> { ["ScaleChat__Auth__Secret"] = Secret }, "token", "--sub", "dave");

        Assert.True(code == 0, stderr);
        Assert.Equal("dave", (await ValidateAsync(stdout.Trim(), Secret)).Subject);
    }

    [Fact]
    public async Task TheExecutableRefusesAMissingSubWithOneLine()
    {
        var (code, _, stderr) = await CliProcess.RunAsync(null, "token", "--secret", Secret);

        Assert.Equal(2, code);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
