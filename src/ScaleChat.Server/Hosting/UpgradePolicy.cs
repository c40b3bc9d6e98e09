using ScaleChat.Protocol;
using ScaleChat.Server.Identity;

namespace ScaleChat.Server.Hosting;

/// <summary>What an upgrade request says about itself, read the same way on both upgrade paths.</summary>
/// <param name="IsHttp10">Whether it came over HTTP/1.0.</param>
/// <param name="Room">The <c>{room}</c> of <c>/ws/{room}</c>, or null for <c>/ws</c>.</param>
/// <param name="V1">Whether it asked for the version-1 subprotocol.</param>
/// <param name="Origin">The <c>Origin</c> header (browsers send it), or null.</param>
/// <param name="Host">The <c>Host</c> header, or null.</param>
/// <param name="Token">A JWT from the <c>access_token</c> query parameter or an <c>Authorization: Bearer</c> header, or null.</param>
internal readonly record struct UpgradeRequest(bool IsHttp10, string? Room, bool V1, string? Origin, string? Host, string? Token = null)
{
    /// <summary>The token of an <c>Authorization</c> header's value, when it is a bearer token.</summary>
    public static string? BearerToken(string? authorization) =>
        authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
}

/// <summary>Why an upgrade is refused: the HTTP status, the reason counted in metrics and a message for the client.</summary>
internal sealed record UpgradeRefusal(int Status, string Reason, string Message);

/// <summary>The policy's verdict: a refusal, or the go-ahead with the identity of a token that came with the upgrade.</summary>
internal readonly record struct UpgradeVerdict(UpgradeRefusal? Refusal, TokenIdentity? Identity);

/// <summary>
/// Every check an upgrade passes before it becomes a chat connection, in one place: the HTTP pipeline
/// answers a refusal, and the lean path hands anything refused to the pipeline, so both paths refuse
/// the same requests the same way. (Head size, header count and the head's timeout are Kestrel's
/// limits, applied to the lean path by <see cref="UpgradeFastPath"/>.)
/// </summary>
internal sealed class UpgradePolicy(ChatServerOptions options, TokenValidator tokens)
{
    private readonly HashSet<string> _allowedOrigins = new(
        (options.AllowedOrigins ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries).Select(o => o.TrimEnd('/')),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Everything <see cref="Check"/> does, then, in token mode, the token that came with the upgrade
    /// (a token may instead come in <c>hello</c>). The connection limit is checked after, by whoever takes the slot.
    /// </summary>
    public async ValueTask<UpgradeVerdict> CheckAsync(UpgradeRequest request)
    {
        if (Check(request) is { } refusal)
        {
            return new(refusal, null);
        }

        if (options.Auth.Mode != AuthMode.Token || request.Token is null)
        {
            return default;
        }

        var check = await tokens.ValidateAsync(request.Token);
        if (check.Identity is not { } identity)
        {
            return new(new(401, "unauthorized", check.Failure!), null);
        }

        return request.Room is { } room && !identity.Rooms.Allows(room)
            ? new(new(403, "forbidden", $"the token does not allow the room '{room}'"), null)
            : new(null, identity);
    }

    /// <summary>The checks that need no token: null when the upgrade may go on so far.</summary>
    private UpgradeRefusal? Check(UpgradeRequest request)
    {
        if (request.IsHttp10)
        {
            // HTTP/1.0 has no Upgrade; a client that claims it is not a WebSocket client.
            return new(400, "http_version", "WebSocket upgrades need HTTP/1.1");
        }

        if (!IsOriginAllowed(request.Origin, request.Host))
        {
            return new(403, "origin_forbidden", "this origin may not open a chat connection here");
        }

        if (request.Room is not null && !Names.IsValid(request.Room))
        {
            return new(400, "bad_room", "room names are 1-64 ASCII letters, digits, '-', '_' or '.' (not only dots)");
        }

        if (!request.V1 && options.Auth.Mode == AuthMode.Token)
        {
            // The legacy format has no handshake, so it cannot carry who the client is.
            return new(403, "legacy_forbidden", $"this server requires a token: ask for the subprotocol '{ProtocolConstants.SubprotocolV1}'");
        }

        if (!request.V1 && !options.LegacyEnabled)
        {
            return new(400, "legacy_disabled", $"ask for the subprotocol '{ProtocolConstants.SubprotocolV1}'");
        }

        return null;
    }

    /// <summary>
    /// A browser's upgrade is accepted from the server's own origin (the Origin's host and port are the
    /// Host header) or from an allowed one; a client that sends no Origin is not a browser page.
    /// </summary>
    private bool IsOriginAllowed(string? origin, string? host)
    {
        if (origin is null || _allowedOrigins.Contains("*") || _allowedOrigins.Contains(origin.TrimEnd('/')))
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && host is not null
            && (string.Equals($"{uri.Host}:{uri.Port}", host, StringComparison.OrdinalIgnoreCase)
                || (uri.IsDefaultPort && string.Equals(uri.Host, host, StringComparison.OrdinalIgnoreCase)));
    }
}
