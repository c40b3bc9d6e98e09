namespace ScaleChat.LoadTest.Running;

/// <summary>A run could not start or go on: an unreachable server, a workload it cannot drive. The message is one line.</summary>
public sealed class LoadException : Exception
{
    public LoadException(string message) : base(message)
    {
    }

    public LoadException(string message, Exception inner) : base(message, inner)
    {
    }

    public LoadException()
    {
    }
}
