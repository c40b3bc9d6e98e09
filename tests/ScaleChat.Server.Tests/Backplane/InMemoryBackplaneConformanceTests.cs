using ScaleChat.Server.Backplane;
using ScaleChat.Testing.Backplane;

namespace ScaleChat.Server.Tests.Backplane;

/// <summary>The backplane contract, kept by the single-node default.</summary>
public sealed class InMemoryBackplaneConformanceTests : BackplaneConformanceTests<InMemoryBackplane>
{
    protected override InMemoryBackplane Create(int historySize) => new(historySize);
}
