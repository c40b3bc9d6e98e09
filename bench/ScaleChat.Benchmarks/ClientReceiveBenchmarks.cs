using System.Text;
using BenchmarkDotNet.Attributes;
using ScaleChat.Client;
using ScaleChat.Client.Wire;

namespace ScaleChat.Benchmarks;

/// <summary>
/// What one received message costs the client: splitting the frame, reading the object, the
/// duplicate check and raising the event, through the same path the receive loop takes.
/// </summary>
[MemoryDiagnoser]
public class ClientReceiveBenchmarks
{
    private const string Message = """{"type":"message","room":"bench","from":"alice","text":"hello, this is a typical short chat message","seq":SEQ,"id":"0194b1e2c3d4-000001","ts":1732700000000}""";

    private ChatClient _client = null!;
    private byte[] _one = [];
    private byte[] _batch = [];
    private long _received;

    [GlobalSetup]
    public void Setup()
    {
        _client = new ChatClient(new ChatClientOptions { Url = new Uri("ws://127.0.0.1:1/ws"), Name = "bench" });
        _client.MessageReceived += _ => _received++;
        _one = Encoding.UTF8.GetBytes(Message.Replace("SEQ", "1", StringComparison.Ordinal));
        _batch = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Range(1, 10).Select(i => Message.Replace("SEQ", $"{i}", StringComparison.Ordinal))));
    }

    /// <summary>One frame holding one message.</summary>
    [Benchmark(Baseline = true)]
    public void OneMessagePerFrame() => _client.HandleFrame(_one);

    /// <summary>One frame holding ten messages, as the server batches them; divide by ten per message.</summary>
    [Benchmark(OperationsPerInvoke = 10)]
    public void TenMessagesPerFrame() => _client.HandleFrame(_batch);

    /// <summary>Reading the object alone, without the event.</summary>
    [Benchmark]
    public bool ParseOnly() => ServerFrameReader.TryParse(_one, out _);
}
