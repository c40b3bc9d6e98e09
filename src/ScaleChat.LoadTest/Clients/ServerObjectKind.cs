namespace ScaleChat.LoadTest.Clients;

/// <summary>The kinds of server object the load generator tells apart; everything else is Other.</summary>
internal enum ServerObjectKind
{
    Other,
    Message,
    Ack,
    Error,
    Welcome,
}

/// <summary>What the generator needs of one server object: no strings but an error's code.</summary>
internal ref struct LoadObject
{
    public ServerObjectKind Kind;

    /// <summary>The message number <c>k</c> read from the text's prefix, or -1.</summary>
    public long MessageIndex;

    /// <summary>The code of an <c>error</c>.</summary>
    public ReadOnlySpan<byte> Code;
}
