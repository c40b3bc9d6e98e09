using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ScaleChat.LoadTest.Clients;
using ScaleChat.LoadTest.Workload;

namespace ScaleChat.LoadTest.Tests;

/// <summary>The hello of a simulated user: its own name, and in token mode its own token that outlives the run.</summary>
public sealed class TokenTests
{
    private const string Secret = "a-load-secret-of-at-least-32-bytes!";

    [Fact]
    public void WithoutASecretTheHelloCarriesOnlyTheName()
    {
        var hello = JsonDocument.Parse(LoadHello.For("ldabc-1", new LoadSettings())).RootElement;

        Assert.Equal(("hello", "ldabc-1"), (hello.GetProperty("type").GetString(), hello.GetProperty("name").GetString()));
        Assert.False(hello.TryGetProperty("token", out _));
    }

    [Fact]
    public async Task WithASecretEachUserPresentsItsOwnTokenSignedWithIt()
    {
        var settings = new LoadSettings { TokenSecret = Secret, TokenIssuer = "load", TokenAudience = "chat" };
        var hello = JsonDocument.Parse(LoadHello.For("ldabc-7", settings)).RootElement;

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(hello.GetProperty("token").GetString(), new TokenValidationParameters
        {
            IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)),
            ValidIssuer = "load",
            ValidAudience = "chat",
        }).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(result.IsValid, result.Exception?.Message);
        var token = (JsonWebToken)result.SecurityToken;
        Assert.Equal("ldabc-7", token.Subject);
        Assert.True(token.ValidTo - DateTime.UtcNow > settings.TokenLifetime - TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void ATokenOutlivesTheWholePlannedRunWithRoomToSpare()
    {
        var shortRun = new LoadSettings { Clients = 1000, Ramp = 500, Warmup = TimeSpan.FromSeconds(5), Duration = TimeSpan.FromSeconds(30), Drain = TimeSpan.FromSeconds(5) };
        var longRun = shortRun with { Duration = TimeSpan.FromHours(2) };

        Assert.Equal(TimeSpan.FromSeconds(42) + TimeSpan.FromMinutes(10), shortRun.TokenLifetime);
        Assert.Equal(2 * (TimeSpan.FromSeconds(12) + TimeSpan.FromHours(2)), longRun.TokenLifetime);
    }
}
