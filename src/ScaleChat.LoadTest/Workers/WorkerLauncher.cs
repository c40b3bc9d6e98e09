using System.Diagnostics;

namespace ScaleChat.LoadTest.Workers;

/// <summary>How to start a worker: the <c>scalechat</c> executable (or <c>dotnet scalechat.dll</c>) with <c>load --worker</c>.</summary>
public sealed record WorkerLauncher(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The variable that carries a worker's settings (JSON) from its parent.</summary>
    public const string SettingsVariable = "SCALECHAT_LOAD_WORKER";

    /// <summary>Finds <c>scalechat</c> beside this assembly: the native launcher if there is one, else the dll under <c>dotnet</c>.</summary>
    public static WorkerLauncher Locate()
    {
        var directory = AppContext.BaseDirectory;
        var native = Path.Combine(directory, OperatingSystem.IsWindows() ? "scalechat.exe" : "scalechat");
        if (File.Exists(native))
        {
            return new WorkerLauncher(native, ["load", "--worker"]);
        }

        var dll = Path.Combine(directory, "scalechat.dll");
        if (!File.Exists(dll))
        {
            throw new Running.LoadException($"--workers needs the scalechat executable beside {directory}");
        }

        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        return new WorkerLauncher(host, [dll, "load", "--worker"]);
    }

    internal ProcessStartInfo StartInfo(string settingsJson)
    {
        var info = new ProcessStartInfo(FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment[SettingsVariable] = settingsJson;
        return info;
    }
}
