using ScaleChat.Client;
using ScaleChat.LoadTest.Workload;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.LoadTest.Clients;

/// <summary>
/// The <c>hello</c> of a simulated user: its name, and in token mode a token of its own, minted at
/// connect time so that a run of many clients never holds them all at once.
/// </summary>
internal static class LoadHello
{
    public static byte[] For(string name, LoadSettings settings)
    {
        var w = FrameWriter.Begin("hello"u8);
        w.WriteString("name"u8, name);
        if (settings.TokenSecret is { } secret)
        {
            w.WriteString("token"u8, ChatTokens.Issue(secret, name, settings.TokenLifetime, issuer: settings.TokenIssuer, audience: settings.TokenAudience));
        }

        return FrameWriter.End();
    }
}
