using ScaleChat.Testing.Backplane;

namespace ScaleChat.Backplane.Redis.Tests.Infrastructure;

/// <summary>Bounded waits for a condition.</summary>
public static class RecordingWait
{
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        RecordingHandler.WaitUntilAsync(condition, what, timeout ?? TimeSpan.FromSeconds(30));
}
