using ScaleChat.Server.Backplane;

namespace ScaleChat.Server.Tests.Backplane;

/// <summary>The backplane contract, kept by the single-node default.</summary>
public sealed class InMemoryBackplaneConformanceTests : BackplaneConformanceTests
{
    protected override IBackplane Create(string nodeId, int historySize) => new InMemoryBackplane(nodeId, historySize);
}
