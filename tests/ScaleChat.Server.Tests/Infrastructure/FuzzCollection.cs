namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>
/// The fuzz test keeps both cores busy for half a minute: it runs alone, after the others, so it
/// neither slows their timed checks nor is slowed by them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "Fuzz";
}
