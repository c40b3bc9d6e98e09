using System.Buffers.Text;
using System.Security.Cryptography;
using ScaleChat.Protocol;
using ScaleChat.Protocol.Frames;
using ScaleChat.Server.Connections;
using ScaleChat.Server.Identity;

namespace ScaleChat.Server.Hub;

internal sealed partial class ChatHub
{
    private bool TokenMode => _options.Auth.Mode == AuthMode.Token;

    private async ValueTask HelloAsync(Connection connection, ClientCommand command, string? urlRoom)
    {
        var (user, nameKey) = TokenMode ? await TokenUserAsync(connection, command) : await HoldNameAsync(connection, command);
        if (user is null)
        {
            return; // refused (and closing, unless it may try again)
        }

        if (urlRoom is not null && !connection.Permissions.Allows(urlRoom))
        {
            Forbidden(connection, urlRoom, command.Ref);
            connection.Close(CloseCodes.PolicyViolation, "room not allowed");
            return;
        }

        connection.BindUser(user, nameKey);
        if (AddUserConnection(user, connection))
        {
            await _routing.AddUserAsync(user);
        }

        // Everyone starts in global, unless a token's rooms leave it out.
        var rooms = new List<string>(2);
        if (connection.Permissions.Allows(ProtocolConstants.GlobalRoom))
        {
            rooms.Add(ProtocolConstants.GlobalRoom);
        }

        if (urlRoom is not null and not ProtocolConstants.GlobalRoom)
        {
            rooms.Add(urlRoom);
        }

        var joined = new List<(Membership Member, RoomPosition Position)>(rooms.Count);
        foreach (var room in rooms)
        {
            var membership = await EnterAsync(connection, room, command.Presence);
            joined.Add((membership, await _streams.GetPositionAsync(room)));
        }

        connection.TryEnqueue(ServerFrames.Welcome(user, connection.Session, nameKey, NodeId, _options.Limits,
            joined.Select(j => KeyValuePair.Create(j.Member.Room, j.Position))));
        foreach (var (member, position) in joined)
        {
            member.GoLive(position.Seq);
        }
    }

    /// <summary>Open mode: the name when this connection may have it (with the hold's key), else refused with <c>name_taken</c>.</summary>
    private async ValueTask<(string? User, string? NameKey)> HoldNameAsync(Connection connection, ClientCommand command)
    {
        if (command.Name is not { } user)
        {
            // Only token mode names users without one; the client may try again with a name.
            Metrics.Rejected(ErrorCodes.BadRequest);
            connection.TryEnqueue(ServerFrames.Error(ErrorCodes.BadRequest, "missing 'name'", command.Ref));
            return (null, null);
        }

        if (await _names.ClaimAsync(user, command.NameKey, NewNameKey(), _options.Auth.NameGrace) is { } key)
        {
            return (user, key);
        }

        Metrics.Rejected(ErrorCodes.NameTaken);
        connection.TryEnqueue(ServerFrames.Error(ErrorCodes.NameTaken,
            $"the name '{user}' is in use by another connection; choose another, or present its nameKey", command.Ref));
        connection.Close(CloseCodes.PolicyViolation, "name taken");
        return (null, null);
    }

    /// <summary>Token mode: the token's subject, from <c>hello.token</c> or else the upgrade's token; refused without a valid one.</summary>
    private async ValueTask<(string? User, string? NameKey)> TokenUserAsync(Connection connection, ClientCommand command)
    {
        var identity = connection.UpgradeIdentity;
        string? failure = identity is null ? "a token is required: in 'hello.token', the access_token query parameter or an Authorization: Bearer header" : null;
        if (command.Token is { } token)
        {
            var check = await _tokens.ValidateAsync(token);
            (identity, failure) = (check.Identity, check.Failure);
        }

        if (identity is not null && identity.Expires <= _time.GetUtcNow())
        {
            (identity, failure) = (null, "the token has expired");
        }

        if (identity is null)
        {
            Metrics.Rejected(ErrorCodes.Unauthorized);
            connection.TryEnqueue(ServerFrames.Error(ErrorCodes.Unauthorized, failure!, command.Ref));
            connection.Close(CloseCodes.PolicyViolation, "unauthorized");
            return (null, null);
        }

        connection.Authorize(identity);
        return (identity.User, null);
    }

    /// <summary><c>auth</c>: a fresh token for the same user replaces the connection's expiry and rooms.</summary>
    private async ValueTask AuthAsync(Connection connection, ClientCommand command)
    {
        if (!TokenMode)
        {
            Metrics.Rejected(ErrorCodes.BadRequest);
            connection.TryEnqueue(ServerFrames.Error(ErrorCodes.BadRequest, "this server runs in open mode: there is no token to refresh", command.Ref));
            return;
        }

        var check = await _tokens.ValidateAsync(command.Token!);
        var failure = check.Identity is { } identity && identity.User != connection.User ? "the token is for another user" : check.Failure;
        if (failure is not null)
        {
            // The connection keeps its current token, and is closed when that one expires.
            Metrics.Rejected(ErrorCodes.Unauthorized);
            connection.TryEnqueue(ServerFrames.Error(ErrorCodes.Unauthorized, failure, command.Ref));
            return;
        }

        connection.Authorize(check.Identity!);
        connection.TryEnqueue(ServerFrames.Authed(connection.TokenExpires, command.Ref));
    }

    private void Forbidden(Connection connection, string room, MessageRef @ref)
    {
        Metrics.Rejected(ErrorCodes.Forbidden);
        connection.TryEnqueue(ServerFrames.Error(ErrorCodes.Forbidden, $"your token does not allow the room '{room}'", @ref));
    }

    /// <summary>
    /// Keeps identities current while the node runs: renews the holds of the names connected here (open
    /// mode), and closes connections whose token expired with no <c>auth</c> (token mode).
    /// </summary>
    public async Task RunIdentityUpkeepAsync(CancellationToken stopping)
    {
        // Renewing at a third of the grace period keeps a held name from lapsing between two renewals.
        var interval = TokenMode ? TimeSpan.FromSeconds(1) : _options.Auth.NameGrace / 3;
        using var timer = new PeriodicTimer(interval, _time);
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
        {
            try
            {
                if (TokenMode)
                {
                    CloseExpired();
                }
                else
                {
                    await _names.RenewAsync(LocalHolds(), _options.Auth.NameGrace);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.UpkeepFailed(_logger, ex);
            }
        }
    }

    private void CloseExpired()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var connection in _connections.Values)
        {
            if (connection.TokenExpires != 0 && connection.TokenExpires <= now && !connection.IsClosing)
            {
                connection.TryEnqueue(ServerFrames.Error(ErrorCodes.Unauthorized, "the token has expired; send 'auth' with a fresh one before it does"));
                connection.Close(CloseCodes.PolicyViolation, "token expired");
            }
        }
    }

    private List<KeyValuePair<string, string>> LocalHolds()
    {
        var holds = new List<KeyValuePair<string, string>>();
        _users.ForEach((user, connections) =>
        {
            if (connections.Length > 0 && connections[0].NameKey is { } key)
            {
                holds.Add(KeyValuePair.Create(user, key));
            }
        });
        return holds;
    }

    /// <summary>128 random bits, URL-safe: what a client presents to share its name.</summary>
    private static string NewNameKey() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
}
