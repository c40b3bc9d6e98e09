
namespace ScaleChat.Backplane.Redis.Tests.Infrastructure;

/// <summary>
/// Server nodes of one test's cluster: the same Redis and key prefix, each its own name. Nodes run
/// in this process (<see cref="StartNodeAsync"/>) or as child processes that can be killed
/// (<see cref="StartProcessAsync"/>). Dead nodes are forgotten after 2 s here.
/// </summary>
public sealed class Cluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _nodes = [];

    private Cluster(string redis) => Redis = redis;

    public string Redis { get; }

    public string Prefix { get; } = TestRedis.NewPrefix();

    public static async Task<Cluster> CreateAsync(string? redis = null) => new(redis ?? await TestRedis.AddressAsync());

    private IEnumerable<string> Settings(string node) =>
    [
        $"ScaleChat:Redis:Configuration={Redis}", $"ScaleChat:Redis:Prefix={Prefix}", $"ScaleChat:NodeId={node}", "ScaleChat:Redis:NodeTimeout=00:00:04",
        "ScaleChat:Limits:MessagesPerSecond=100000", "ScaleChat:Limits:Burst=100000",
        "ScaleChat:CloseTimeout=00:00:01", "ScaleChat:ShutdownTimeout=00:00:02",
    ];

    public async Task<TestServer> StartNodeAsync(string node, params string[] settings)
    {
        var server = await TestServer.StartAsync(
            builder => builder.Services.AddScaleChatRedis(builder.Configuration), [.. Settings(node), .. settings]);
        _nodes.Add(server);
        return server;
    }

    public async Task<NodeProcess> StartProcessAsync(string node)
    {
        // As an operator would start it: `scalechat serve --redis host:port ...`.
        var process = await NodeProcess.StartAsync(["--redis", Redis, .. Settings(node).Where(s => !s.StartsWith("ScaleChat:Redis:Configuration=", StringComparison.Ordinal)).Select(s => "--" + s)]);
        _nodes.Add(process);
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }
    }
}
