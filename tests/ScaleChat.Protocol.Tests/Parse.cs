using System.Text;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>The parsers, called as the server calls them, with the protocol's default limits.</summary>
internal static class Parse
{
    public static readonly ProtocolLimits Limits = new();

    /// <summary>A valid object's command; fails the test with the parser's message otherwise.</summary>
    public static ClientCommand Command(string json, ProtocolLimits? limits = null)
    {
        var ok = ClientFrameParser.TryParse(Encoding.UTF8.GetBytes(json), limits ?? Limits, out var command, out var error);
        Assert.True(ok, $"refused: {error.Code} {error.Message}");
        return command;
    }

    /// <summary>A refused object's error; fails the test when the object is accepted.</summary>
    public static FrameError Error(string json, ProtocolLimits? limits = null) => Error(Encoding.UTF8.GetBytes(json), limits);

    public static FrameError Error(byte[] utf8, ProtocolLimits? limits = null)
    {
        var ok = ClientFrameParser.TryParse(utf8, limits ?? Limits, out _, out var error);
        Assert.False(ok, "accepted");
        Assert.NotNull(error.Code);
        return error;
    }

    public static LegacyParseResult Legacy(string json, out LegacyFrame? frame, ProtocolLimits? limits = null) =>
        LegacyFrameParser.TryParse(Encoding.UTF8.GetBytes(json), limits ?? Limits, out frame);
}
