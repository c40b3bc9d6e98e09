namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>
/// The tests that read process-wide figures (/metrics reads every meter of its name in the process,
/// the runtime's too) run alone, after the others, so other tests' servers do not add to them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ObservabilityCollection
{
    public const string Name = "Observability";
}
