using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>Tokens of every kind the tests need, good and bad, signed by the standard JWT library.</summary>
public static class TestTokens
{
    /// <summary>The HS256 secret of the token-mode test servers.</summary>
    public const string Secret = "test-secret-of-at-least-32-bytes-long";

    public const string Issuer = "https://issuer.test", Audience = "scalechat-tests";

    /// <summary>Settings of a token-mode server with <see cref="Secret"/>, issuer and audience checked.</summary>
    public static string[] Settings(params string[] more) =>
        ["ScaleChat:Auth:Mode=token", $"ScaleChat:Auth:Secret={Secret}", $"ScaleChat:Auth:Issuer={Issuer}", $"ScaleChat:Auth:Audience={Audience}", .. more];

    /// <summary>A valid HS256 token for the test servers, unless a parameter spoils it.</summary>
    public static string For(string sub, string[]? rooms = null, TimeSpan? lifetime = null, DateTimeOffset? notBefore = null,
        string secret = Secret, string issuer = Issuer, string audience = Audience) =>
        Client.ChatTokens.Issue(secret, sub, lifetime ?? TimeSpan.FromHours(1), rooms, issuer, audience, notBefore);

    /// <summary>A token that expired a minute ago (beyond the 30 s of clock skew).</summary>
    public static string Expired(string sub) => Sign(sub, DateTime.UtcNow.AddMinutes(-10), DateTime.UtcNow.AddMinutes(-1),
        new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)), SecurityAlgorithms.HmacSha256));

    /// <summary>A token signed with <paramref name="credentials"/> (any algorithm), for the test issuer and audience.</summary>
    public static string Sign(string sub, DateTime notBefore, DateTime expires, SigningCredentials credentials) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["sub"] = sub },
            NotBefore = notBefore,
            Expires = expires,
            Issuer = Issuer,
            Audience = Audience,
            SigningCredentials = credentials,
        });

    /// <summary>A JWKS file with one RSA and one P-256 key; the private keys sign the tokens.</summary>
    public sealed class Jwks : IDisposable
    {
        public Jwks()
        {
            var rsa = Rsa.ExportParameters(false);
            var ec = Ecdsa.ExportParameters(false);
            var keys = new object[]
            {
                new { kty = "RSA", kid = "rsa-1", use = "sig", alg = "RS256", n = Base64UrlEncoder.Encode(rsa.Modulus), e = Base64UrlEncoder.Encode(rsa.Exponent) },
                new { kty = "EC", kid = "ec-1", use = "sig", alg = "ES256", crv = "P-256", x = Base64UrlEncoder.Encode(ec.Q.X), y = Base64UrlEncoder.Encode(ec.Q.Y) },
            };
            File.WriteAllText(Path, JsonSerializer.Serialize(new { keys }));
        }

        public RSA Rsa { get; } = RSA.Create(2048);

        public ECDsa Ecdsa { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"scalechat-jwks-{Guid.NewGuid():N}.json");

        public string Rs256(string sub) => Sign(sub, DateTime.UtcNow, DateTime.UtcNow.AddHours(1),
            new SigningCredentials(new RsaSecurityKey(Rsa) { KeyId = "rsa-1" }, SecurityAlgorithms.RsaSha256));

        public string Es256(string sub) => Sign(sub, DateTime.UtcNow, DateTime.UtcNow.AddHours(1),
            new SigningCredentials(new ECDsaSecurityKey(Ecdsa) { KeyId = "ec-1" }, SecurityAlgorithms.EcdsaSha256));

        public void Dispose()
        {
            File.Delete(Path);
            Rsa.Dispose();
            Ecdsa.Dispose();
        }
    }
}
