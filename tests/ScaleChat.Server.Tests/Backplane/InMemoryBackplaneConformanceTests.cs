using ScaleChat.Server.Backplane;
using ScaleChat.Testing.Backplane;

namespace ScaleChat.Server.Tests.Backplane;

/// <summary>The backplane contract, kept by the in-memory backplane: two nodes on one shared store.</summary>
public sealed class InMemoryBackplaneConformanceTests : BackplaneConformanceTests<InMemoryBackplane>
{
    protected override Func<InMemoryBackplane> CreateStore(int historySize)
    {
        var store = new InMemoryBackplaneStore(historySize);
        return () => new InMemoryBackplane(store);
    }
}
