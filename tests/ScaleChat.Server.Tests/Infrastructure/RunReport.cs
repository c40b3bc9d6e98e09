using Xunit.Abstractions;
using Xunit.Sdk;

namespace ScaleChat.Server.Tests.Infrastructure;

/// <summary>
/// Lines that must show in the plain output of <c>dotnet test</c>, passing or not (a fuzz run's seed
/// and input count). The test output of passing tests is hidden there; xunit's diagnostic messages
/// are not: the VSTest adapter reports them as warnings ("[xUnit.net 00:00:01.23] assembly: line")
/// when xunit.runner.json turns on <c>diagnosticMessages</c>. Used as a class fixture.
/// </summary>
public sealed class RunReport(IMessageSink sink)
{
    public void Line(string text) => sink.OnMessage(new DiagnosticMessage(text));
}
