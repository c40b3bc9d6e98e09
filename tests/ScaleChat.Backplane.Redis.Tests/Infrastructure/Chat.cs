using System.Text.Json;

namespace ScaleChat.Backplane.Redis.Tests.Infrastructure;

/// <summary>Protocol steps the cluster tests repeat, on raw clients.</summary>
public static class Chat
{
    /// <summary>Joins <paramref name="room"/> (resuming after a position when given); returns the <c>joined</c> answer.</summary>
    public static async Task<JsonElement> JoinAsync(this WsClient client, string room, long? afterSeq = null, string? epoch = null)
    {
        await client.SendAsync(afterSeq is { } seq
            ? new { type = "join", room, after = new { seq, epoch } }
            : new { type = "join", room });
        return await client.ExpectAsync("joined");
    }

    /// <summary>Sends to a room and waits for its answer: the ack's seq, or null when the server answered with an error.</summary>
    public static async Task<long?> SendAndWaitAsync(this WsClient client, string room, string text, int @ref, List<JsonElement>? others = null)
    {
        await client.SendAsync(new { type = "send", room, text, @ref });
        while (true)
        {
            var answer = await client.ReceiveAsync();
            var isOurs = answer.TryGetProperty("ref", out var r) && r.ValueKind == JsonValueKind.Number && r.GetInt32() == @ref;
            switch (answer.Type())
            {
                case "ack" when isOurs:
                    return answer.Long("seq");
                case "error" when isOurs:
                    return null;
                default:
                    others?.Add(answer);
                    break;
            }
        }
    }

    /// <summary>Reads room messages until one with <paramref name="lastSeq"/> arrives; returns them all.</summary>
    public static async Task<List<JsonElement>> MessagesUntilAsync(this WsClient client, long lastSeq, TimeSpan? timeout = null)
    {
        var messages = new List<JsonElement>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (messages.Count == 0 || messages[^1].Long("seq") < lastSeq)
        {
            messages.Add(await client.ExpectAsync("message", deadline - DateTime.UtcNow));
        }

        return messages;
    }
}
