using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Server.Identity;

/// <summary>Who a valid token names, until when, and where they may go.</summary>
internal sealed record TokenIdentity(string User, DateTimeOffset Expires, RoomPermissions Rooms);

/// <summary>A token's verdict: the identity, or why it was refused (for the client and the logs).</summary>
internal readonly record struct TokenCheck(TokenIdentity? Identity, string? Failure)
{
    public static TokenCheck Refused(string failure) => new(null, failure);
}

/// <summary>
/// Checks the JWTs of token mode with the standard .NET JWT library: signature (HS256 with the shared
/// secret, or RS256/ES256 with the JWKS file's keys), <c>exp</c> (required), <c>nbf</c>, and
/// <c>iss</c>/<c>aud</c> when configured, with 30 s of clock skew; then <c>sub</c> and <c>rooms</c>.
/// </summary>
internal sealed class TokenValidator
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    private readonly JsonWebTokenHandler _handler = new() { MaximumTokenSizeInBytes = ClientFrameParser.MaxTokenLength };
    private readonly TokenValidationParameters _parameters;

    public TokenValidator(AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _parameters = new TokenValidationParameters
        {
            ValidateIssuer = options.Issuer is not null,
            ValidIssuer = options.Issuer,
            ValidateAudience = options.Audience is not null,
            ValidAudience = options.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = ClockSkew,
        };

        if (options.Mode != AuthMode.Token)
        {
            return;
        }

        if (options.Secret is { Length: > 0 } secret)
        {
            _parameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret));
            _parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            var keys = new JsonWebKeySet(File.ReadAllText(options.JwksFile!)).GetSigningKeys();
            if (keys.Count == 0)
            {
                throw new ArgumentException($"ScaleChat:Auth:JwksFile '{options.JwksFile}' holds no signing keys");
            }

            _parameters.IssuerSigningKeys = keys;
            _parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];
        }
    }

    public async ValueTask<TokenCheck> ValidateAsync(string token)
    {
        if (token.Length > ClientFrameParser.MaxTokenLength)
        {
            return TokenCheck.Refused("the token is too long");
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid)
        {
            return TokenCheck.Refused(result.Exception switch
            {
                SecurityTokenExpiredException => "the token has expired",
                SecurityTokenNotYetValidException => "the token is not valid yet",
                SecurityTokenNoExpirationException => "the token has no expiry ('exp')",
                SecurityTokenInvalidAudienceException => "the token is for another audience",
                SecurityTokenInvalidIssuerException => "the token is from another issuer",
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature is not valid",
                SecurityTokenInvalidAlgorithmException => "the token's algorithm is not accepted",
                _ => "the token is not valid",
            });
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (!Names.IsValid(jwt.Subject))
        {
            return TokenCheck.Refused("the token's 'sub' must be 1-64 ASCII letters, digits, '-', '_' or '.'");
        }

        RoomPermissions rooms;
        if (!jwt.TryGetClaim("rooms", out _))
        {
            rooms = RoomPermissions.All;
        }
        else if (jwt.TryGetPayloadValue<string[]>("rooms", out var patterns) && patterns is not null)
        {
            rooms = new RoomPermissions(patterns);
        }
        else
        {
            return TokenCheck.Refused("the token's 'rooms' must be an array of room names");
        }

        return new TokenCheck(new TokenIdentity(jwt.Subject, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero), rooms), null);
    }
}
