using System.Net;
using Microsoft.IdentityModel.Tokens;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>
/// Token mode: every version-1 connection presents a JWT (in hello, the access_token query parameter or
/// an Authorization header); the user is its subject, its rooms claim limits where it goes, and it is
/// closed when its token expires unless it sends a fresh one.
/// </summary>
public sealed class TokenTests
{
    public static TheoryData<bool, string> PathsAndWays => new()
    {
        { true, "hello" }, { true, "query" }, { true, "header" },
        { false, "hello" }, { false, "query" }, { false, "header" },
    };

    [Theory]
    [MemberData(nameof(PathsAndWays))]
    public async Task AValidTokenNamesTheUserWhateverHelloSays(bool lean, string way)
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings($"ScaleChat:LeanUpgrade={lean}"));
        using var client = await ConnectAsync(server, TestTokens.For("alice"), way);
        await client.SendTextAsync($$"""{"type":"hello","name":"mallory"{{(way == "hello" ? $",\"token\":\"{TestTokens.For("alice")}\"" : "")}}}""");
        var welcome = await client.ExpectAsync("welcome");
        Assert.Equal("alice", welcome.Str("user"));
        Assert.Null(welcome.Str("nameKey"));

        await client.SendTextAsync("""{"type":"send","room":"global","text":"hi","from":"mallory"}""");
        Assert.Equal("alice", (await client.ExpectAsync("message")).Str("from"));
    }

    [Theory]
    [MemberData(nameof(PathsAndWays))]
    public async Task BadTokensAreRefusedOnEachWayToPresentThem(bool lean, string way)
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings($"ScaleChat:LeanUpgrade={lean}"));
        var bad = new (string Token, string Why)[]
        {
            (TestTokens.For("alice", secret: "another-secret-of-at-least-32-bytes"), "signature"),
            (TestTokens.Expired("alice"), "expired"),
            (TestTokens.For("alice", notBefore: DateTimeOffset.UtcNow.AddMinutes(5)), "not valid yet"),
            (TestTokens.For("alice", audience: "someone-else"), "audience"),
            (TestTokens.For("alice", issuer: "https://elsewhere.test"), "issuer"),
            (TestTokens.For("not a name"), "sub"),
            ("not.a.jwt", "garbage"),
            (TestTokens.For("alice")[..^4], "cut"),
        };
        foreach (var (token, why) in bad)
        {
            if (way == "hello")
            {
                using var client = await RawWsClient.ConnectAsync(server.HttpUrl);
                await client.SendTextAsync($$"""{"type":"hello","token":"{{token}}","ref":"r"}""");
                var error = await client.ExpectAsync("error");
                Assert.True(error.Str("code") == "unauthorized", $"{why}: {error}");
                Assert.Equal(1008, await client.ExpectCloseAsync());
            }
            else
            {
                using var client = await RawWsClient.OpenAsync(server.HttpUrl);
                var head = await client.UpgradeAsync(Upgrade(token, way));
                Assert.True(head.Status == 401, $"{why}: {head.StatusLine}");
            }
        }

        // No token at all: hello without one is refused as well.
        using var none = await RawWsClient.ConnectAsync(server.HttpUrl);
        await none.SendTextAsync("""{"type":"hello","name":"alice"}""");
        Assert.Equal("unauthorized", (await none.ExpectAsync("error")).Str("code"));
        Assert.Equal(1008, await none.ExpectCloseAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task TheRoomsClaimLimitsJoinSendHistoryWhoAndTheRoomPath(bool lean)
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings($"ScaleChat:LeanUpgrade={lean}"));
        var token = TestTokens.For("alice", rooms: ["dev", "team-*"]);
        using var client = await RawWsClient.ConnectAsync(server.HttpUrl, Upgrade(token, "header", "/ws/team-red"));
        await client.SendTextAsync("""{"type":"hello"}""");
        var welcome = await client.ExpectAsync("welcome");
        Assert.Equal(["team-red"], welcome.GetProperty("rooms").EnumerateArray().Select(r => r.Str("room"))); // global is not allowed

        await client.SendTextAsync("""{"type":"join","room":"dev","ref":1}""");
        Assert.Equal("dev", (await client.ExpectAsync("joined")).Str("room"));
        foreach (var command in new[]
        {
            """{"type":"join","room":"secret","ref":2}""",
            """{"type":"send","room":"secret","text":"x","ref":2}""",
            """{"type":"history","room":"secret","ref":2}""",
            """{"type":"who","room":"secret","ref":2}""",
            """{"type":"join","room":"global","ref":2}""",
            """{"type":"join","room":"team","ref":2}""",
        })
        {
            await client.SendTextAsync(command);
            var error = await client.ExpectAsync("error");
            Assert.True(error.Str("code") == "forbidden", $"{command}: {error}");
        }

        await client.SendTextAsync("""{"type":"send","room":"dev","text":"allowed","ref":3}""");
        Assert.Equal("allowed", (await client.ExpectAsync("message")).Str("text"));

        // The room in the path: refused at the upgrade with the token there, at hello with the token in it.
        using var viaHeader = await RawWsClient.OpenAsync(server.HttpUrl);
        Assert.Equal(403, (await viaHeader.UpgradeAsync(Upgrade(token, "header", "/ws/secret"))).Status);
        using var viaHello = await RawWsClient.ConnectAsync(server.HttpUrl, new RawUpgrade { Path = "/ws/secret" });
        await viaHello.SendTextAsync($$"""{"type":"hello","token":"{{token}}"}""");
        Assert.Equal("forbidden", (await viaHello.ExpectAsync("error")).Str("code"));
        Assert.Equal(1008, await viaHello.ExpectCloseAsync());
    }

    [Fact]
    public async Task ATokenThatExpiresClosesTheConnectionUnlessAFreshOneArrivesBefore()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var shortLived = TimeSpan.FromSeconds(3);
        using var refreshed = await HelloAsync(server, TestTokens.For("alice", lifetime: shortLived));
        using var lapsed = await HelloAsync(server, TestTokens.For("bob", lifetime: shortLived));

        // A fresh token for another user is refused, and changes nothing.
        await refreshed.SendTextAsync($$"""{"type":"auth","token":"{{TestTokens.For("mallory")}}","ref":1}""");
        Assert.Equal("unauthorized", (await refreshed.ExpectAsync("error")).Str("code"));
        var fresh = TestTokens.For("alice", lifetime: TimeSpan.FromMinutes(5));
        await refreshed.SendTextAsync($$"""{"type":"auth","token":"{{fresh}}","ref":2}""");
        var authed = await refreshed.ExpectAsync("authed");
        Assert.Equal(2, authed.Long("ref"));
        Assert.InRange(authed.Long("exp") - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 240, 301);

        Assert.Equal(1008, await lapsed.ExpectCloseAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("token expired", lapsed.CloseReason);
        await refreshed.SendTextAsync("""{"type":"ping","ref":3}""");
        Assert.Equal(3, (await refreshed.ExpectAsync("pong")).Long("ref"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task LegacyClientsAreRefusedInTokenMode(bool lean)
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings($"ScaleChat:LeanUpgrade={lean}"));
        using var legacy = await RawWsClient.OpenAsync(server.HttpUrl);
        Assert.Equal(403, (await legacy.UpgradeAsync(new RawUpgrade { Subprotocol = null })).Status);
    }

    [Fact]
    public async Task Rs256AndEs256TokensAreVerifiedWithTheKeysOfAJwksFileAndHs256IsNotAccepted()
    {
        using var jwks = new TestTokens.Jwks();
        await using var server = await TestServer.StartAsync("ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:JwksFile={jwks.Path}");
        foreach (var (token, user) in new[] { (jwks.Rs256("rsa-user"), "rsa-user"), (jwks.Es256("ec-user"), "ec-user") })
        {
            using var client = await HelloAsync(server, token);
            Assert.Equal(user, client.LastWelcome!.Value.Str("user"));
        }

        // A token signed with HMAC under the public key's bytes must not pass (algorithm confusion).
        using var hmac = await RawWsClient.ConnectAsync(server.HttpUrl);
        await hmac.SendTextAsync($$"""{"type":"hello","token":"{{TestTokens.For("mallory")}}"}""");
        Assert.Equal("unauthorized", (await hmac.ExpectAsync("error")).Str("code"));
    }

    [Theory]
    [InlineData("ScaleChat:Auth:PublicObservability=false", 404)]
    [InlineData("ScaleChat:Auth:PublicObservability=true", 200)]
    public async Task InTokenModeTheOperatorsPagesAreOffThePublicAddressesUnlessConfigured(string setting, int status)
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings(setting));
        using var http = new HttpClient { BaseAddress = server.HttpUrl, Timeout = WsClient.Timeout };
        foreach (var path in new[] { "/metrics", "/api/stats", "/dashboard" })
        {
            Assert.True(status == (int)(await http.GetAsync(path)).StatusCode, path);
        }

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Theory]
    [InlineData("ScaleChat:Auth:Secret=too-short")]
    [InlineData("ScaleChat:Auth:Mode=token")]
    public async Task TokenModeWithoutAUsableKeyDoesNotStart(string setting)
    {
        var settings = setting.Contains("Mode", StringComparison.Ordinal) ? [setting] : new[] { "ScaleChat:Auth:Mode=token", setting };
        await Assert.ThrowsAnyAsync<ArgumentException>(() => TestServer.StartAsync(settings));
    }

    private static RawUpgrade Upgrade(string token, string way, string path = "/ws") => way switch
    {
        "query" => new RawUpgrade { Path = $"{path}?access_token={Uri.EscapeDataString(token)}" },
        "header" => new RawUpgrade { Path = path, ExtraHeaders = [$"Authorization: Bearer {token}"] },
        _ => new RawUpgrade { Path = path },
    };

    private static async Task<RawWsClient> ConnectAsync(TestServer server, string token, string way) =>
        await RawWsClient.ConnectAsync(server.HttpUrl, Upgrade(token, way));

    private static async Task<RawWsClient> HelloAsync(TestServer server, string token)
    {
        var client = await RawWsClient.ConnectAsync(server.HttpUrl);
        await client.SendTextAsync($$"""{"type":"hello","token":"{{token}}"}""");
        client.LastWelcome = await client.ExpectAsync("welcome");
        return client;
    }
}
