using ScaleChat.Protocol;

namespace ScaleChat.Server.Hosting;

/// <summary>What an upgrade request says about itself, read the same way on both upgrade paths.</summary>
/// <param name="IsHttp10">Whether it came over HTTP/1.0.</param>
/// <param name="Room">The <c>{room}</c> of <c>/ws/{room}</c>, or null for <c>/ws</c>.</param>
/// <param name="V1">Whether it asked for the version-1 subprotocol.</param>
/// <param name="Origin">The <c>Origin</c> header (browsers send it), or null.</param>
/// <param name="Host">The <c>Host</c> header, or null.</param>
internal readonly record struct UpgradeRequest(bool IsHttp10, string? Room, bool V1, string? Origin, string? Host);

/// <summary>Why an upgrade is refused: the HTTP status, the reason counted in metrics and a message for the client.</summary>
internal sealed record UpgradeRefusal(int Status, string Reason, string Message);

/// <summary>
/// Every check an upgrade passes before it becomes a chat connection, in one place: the HTTP pipeline
/// answers a refusal, and the lean path hands anything refused to the pipeline, so both paths refuse
/// the same requests the same way. (Head size, header count and the head's timeout are Kestrel's
/// limits, applied to the lean path by <see cref="UpgradeFastPath"/>.)
/// </summary>
internal sealed class UpgradePolicy(ChatServerOptions options)
{
    private readonly HashSet<string> _allowedOrigins = new(
        (options.AllowedOrigins ?? "").Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries).Select(o => o.TrimEnd('/')),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Null when the upgrade may go on (the connection limit is checked after, by whoever takes the slot).</summary>
    public UpgradeRefusal? Check(UpgradeRequest request)
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
