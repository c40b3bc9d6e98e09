using System.Text.RegularExpressions;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>The seams of the house hold: plug-ins know only the contract, and no two namespaces of a project depend on each other.</summary>
public sealed partial class ArchitectureTests
{
    private static readonly string Src = Path.Combine(Observability.RepositoryRoot, "src");

    [Theory]
    [InlineData("ScaleChat.Backplane", new[] { "ScaleChat.Protocol" })]
    [InlineData("ScaleChat.Backplane.Redis", new[] { "ScaleChat.Backplane" })]
    [InlineData("ScaleChat.Protocol", new string[0])]
    public void AProjectReferencesOnlyWhatItNeeds(string project, string[] allowed)
    {
        var csproj = File.ReadAllText(Path.Combine(Src, project, $"{project}.csproj"));
        var references = ProjectReference().Matches(csproj).Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(allowed.Order(), references.Order());
        Assert.DoesNotContain("Microsoft.AspNetCore", csproj, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ScaleChat.Server")]
    [InlineData("ScaleChat.LoadTest")]
    [InlineData("ScaleChat.Client")]
    [InlineData("ScaleChat.Backplane.Redis")]
    [InlineData("ScaleChat.Cli")]
    public void NoTwoNamespacesOfAProjectUseEachOther(string project)
    {
        var uses = new Dictionary<string, HashSet<string>>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Src, project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            var ns = Namespace().Match(text).Groups[1].Value;
            var used = uses.TryGetValue(ns, out var set) ? set : uses[ns] = [];
            used.UnionWith(Using().Matches(text).Select(m => m.Groups[1].Value).Where(u => u != ns && u.StartsWith(project + ".", StringComparison.Ordinal)));
        }

        var mutual = uses.SelectMany(a => a.Value.Where(b => uses.TryGetValue(b, out var back) && back.Contains(a.Key)).Select(b => $"{a.Key} <-> {b}"));
        Assert.Empty(mutual);
    }

    [GeneratedRegex(@"<ProjectReference Include=""[^""]*[\\/]([\w.]+)\.csproj""")]
    private static partial Regex ProjectReference();

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"^using ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Using();
}
