using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ScaleChat.Client;

/// <summary>
/// Issues HS256 tokens that a server in token mode accepts (<c>ScaleChat:Auth:Secret</c>): for local
/// use, tests and the load generator. Production tokens come from the deployment's identity provider.
/// </summary>
public static class ChatTokens
{
    /// <summary>The shortest secret accepted: HS256 needs a 256-bit key.</summary>
    public const int MinSecretBytes = 32;

    /// <summary>Issues a token for <paramref name="subject"/>, valid from now for <paramref name="lifetime"/>.</summary>
    /// <param name="secret">The shared secret, at least <see cref="MinSecretBytes"/> bytes of UTF-8.</param>
    /// <param name="subject">The user name (<c>sub</c>).</param>
    /// <param name="lifetime">How long the token is valid.</param>
    /// <param name="rooms">The <c>rooms</c> claim (a trailing <c>*</c> matches any suffix); null allows every room.</param>
    /// <param name="issuer">The <c>iss</c> claim, when the server checks one.</param>
    /// <param name="audience">The <c>aud</c> claim, when the server checks one.</param>
    /// <param name="notBefore">When it becomes valid (default: now).</param>
    public static string Issue(string secret, string subject, TimeSpan lifetime, IReadOnlyList<string>? rooms = null,
        string? issuer = null, string? audience = null, DateTimeOffset? notBefore = null)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero);
        var key = Encoding.UTF8.GetBytes(secret);
        if (key.Length < MinSecretBytes)
        {
            throw new ArgumentException($"the secret must be at least {MinSecretBytes} bytes", nameof(secret));
        }

        var start = (notBefore ?? DateTimeOffset.UtcNow).UtcDateTime;
        var claims = new Dictionary<string, object> { ["sub"] = subject };
        if (rooms is not null)
        {
            claims["rooms"] = rooms.ToArray();
        }

        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = DateTime.UtcNow,
            NotBefore = start,
            Expires = start + lifetime,
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The <c>sub</c> of a token, read without checking it; null when it cannot be read.</summary>
    internal static string? SubjectOf(string token)
    {
        var handler = new JsonWebTokenHandler();
        return handler.CanReadToken(token) ? handler.ReadJsonWebToken(token).Subject : null;
    }
}
