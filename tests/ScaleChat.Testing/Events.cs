using ScaleChat.Client;

namespace ScaleChat.Testing;

/// <summary>Timeouts for every await, so a hang fails fast.</summary>
public static class Wait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static Task<T> Bounded<T>(this Task<T> task) => task.WaitAsync(Timeout);

    public static Task Bounded(this Task task) => task.WaitAsync(Timeout);

    /// <summary>Reads events until one matches, failing after the timeout.</summary>
    public static async Task<T> NextAsync<T>(this ChatEventStream events, Func<T, bool>? match = null)
        where T : ChatEvent
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var next = await events.ReadAsync(cts.Token);
            if (next is T hit && (match is null || match(hit)))
            {
                return hit;
            }
        }
    }

    /// <summary>Reads room messages of <paramref name="room"/> until <paramref name="count"/> have arrived.</summary>
    public static async Task<List<ReceivedMessage>> MessagesAsync(this ChatEventStream events, string room, int count)
    {
        var messages = new List<ReceivedMessage>();
        while (messages.Count < count)
        {
            messages.Add(await events.NextAsync<ReceivedMessage>(m => m.Room == room));
        }

        return messages;
    }
}

/// <summary>Clients connected to a test server.</summary>
public static class Clients
{
    public static Task<(ChatClient Client, ChatEventStream Events)> ConnectAsync(TestServer server, string name, Func<ChatClientOptions, ChatClientOptions>? configure = null) =>
        ConnectAsync(server.WsUrl, name, configure);

    public static async Task<(ChatClient Client, ChatEventStream Events)> ConnectAsync(Uri url, string name, Func<ChatClientOptions, ChatClientOptions>? configure = null)
    {
        var options = new ChatClientOptions { Url = url, Name = name, ReconnectMinDelay = TimeSpan.FromMilliseconds(300), ReconnectMaxDelay = TimeSpan.FromSeconds(1) };
        var client = new ChatClient(configure?.Invoke(options) ?? options);
        var events = client.Subscribe();
        await client.ConnectAsync().Bounded();
        return (client, events);
    }
}
