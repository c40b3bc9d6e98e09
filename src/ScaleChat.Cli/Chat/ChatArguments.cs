namespace ScaleChat.Cli.Chat;

/// <summary>What <c>scalechat chat</c> was asked to do.</summary>
/// <param name="Url">The server's WebSocket endpoint.</param>
/// <param name="Name">The user name; may be null with a token (the server takes the user from it).</param>
/// <param name="Room">A room to join and talk in, or null for the URL's room or global.</param>
/// <param name="Token">A JWT, when the server requires authentication.</param>
/// <param name="Presence">Show who joins and leaves (the default).</param>
/// <param name="Plain">Line mode even on a terminal.</param>
/// <param name="FallbackUrls">Other nodes of the cluster, tried in turn when a reconnect fails.</param>
internal sealed record ChatArguments(Uri Url, string? Name, string? Room = null, string? Token = null, bool Presence = true, bool Plain = false,
    IReadOnlyList<Uri>? FallbackUrls = null);
