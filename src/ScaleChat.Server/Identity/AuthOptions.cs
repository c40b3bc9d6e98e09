namespace ScaleChat.Server.Identity;

/// <summary>How a connection proves who it is (<c>ScaleChat:Auth</c>).</summary>
public enum AuthMode
{
    /// <summary>Names are held first come, first served; a <c>nameKey</c> shares one.</summary>
    Open,
    /// <summary>Every version-1 connection presents a JWT; the user is its <c>sub</c>.</summary>
    Token,
}

/// <summary>The <c>ScaleChat:Auth</c> settings.</summary>
public sealed class AuthOptions
{
    /// <summary><c>open</c> (default) or <c>token</c>.</summary>
    public AuthMode Mode { get; set; } = AuthMode.Open;

    /// <summary>Open mode: how long a name stays held after its last connection closed, so a reconnect keeps it.</summary>
    public TimeSpan NameGrace { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Token mode: the HS256 shared secret (at least 32 bytes of UTF-8).</summary>
    public string? Secret { get; set; }

    /// <summary>Token mode: a JWKS file whose keys verify RS256 and ES256 tokens.</summary>
    public string? JwksFile { get; set; }

    /// <summary>Token mode: the <c>iss</c> every token must carry; unset, any.</summary>
    public string? Issuer { get; set; }

    /// <summary>Token mode: the <c>aud</c> every token must carry; unset, any.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// Token mode: whether <c>/metrics</c>, <c>/api/stats</c> and the dashboard are served on the public
    /// addresses when no admin listener is configured (off: they are not served there).
    /// </summary>
    public bool PublicObservability { get; set; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(NameGrace, TimeSpan.FromSeconds(1), "ScaleChat:Auth:NameGrace");
        if (Mode != AuthMode.Token)
        {
            return;
        }

        if (string.IsNullOrEmpty(Secret) == string.IsNullOrEmpty(JwksFile))
        {
            throw new ArgumentException("token mode needs exactly one of ScaleChat:Auth:Secret (HS256) or ScaleChat:Auth:JwksFile (RS256/ES256)");
        }

        if (Secret is not null && System.Text.Encoding.UTF8.GetByteCount(Secret) < 32)
        {
            throw new ArgumentException("ScaleChat:Auth:Secret must be at least 32 bytes (HS256 needs a 256-bit key)");
        }
    }
}
