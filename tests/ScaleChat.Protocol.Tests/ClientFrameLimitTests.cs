using System.Text;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>The size limits of section 2, counted as the protocol counts them (text in bytes of UTF-8).</summary>
public sealed class ClientFrameLimitTests
{
    private static string Send(string text) => $$"""{"type":"send","room":"dev","text":"{{text}}","ref":"big"}""";

    [Fact]
    public void ATextOfExactlyTheLimitInBytesIsAccepted()
    {
        Assert.Equal(4096, Parse.Command(Send(new string('a', 4096))).Text!.Length);
        Assert.Equal(2048, Parse.Command(Send(new string('é', 2048))).Text!.Length); // two bytes each
    }

    [Fact]
    public void ATextOverTheLimitIsTooLargeWithItsRef()
    {
        foreach (var text in new[] { new string('a', 4097), new string('é', 2049), string.Concat(Enumerable.Repeat("🎉", 1025)) })
        {
            Assert.True(Encoding.UTF8.GetByteCount(text) > 4096);
            var error = Parse.Error(Send(text));
            Assert.Equal(ErrorCodes.TooLarge, error.Code);
            Assert.Equal(MessageRef.FromString("big"), error.Ref);
        }
    }

    [Fact]
    public void TheTextLimitIsTheConfiguredOne()
    {
        var limits = new ProtocolLimits { MaxMessageBytes = 10 };
        Assert.Equal("0123456789", Parse.Command(Send("0123456789"), limits).Text);
        var error = Parse.Error(Send("0123456789a"), limits);
        Assert.Equal(ErrorCodes.TooLarge, error.Code);
        Assert.Contains("10 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATextWrittenWithEscapesIsCountedAsTheTextItStandsFor()
    {
        // 4096 characters written as 6-byte escapes: the text, not the JSON, is what the limit counts.
        Assert.Equal(4096, Parse.Command(Send(string.Concat(Enumerable.Repeat("\\u0061", 4096)))).Text!.Length);
    }

    [Fact]
    public void AShapeErrorComesBeforeTooLarge()
    {
        var error = Parse.Error($$"""{"type":"send","room":"a b","text":"{{new string('a', 5000)}}"}""");
        Assert.Equal(ErrorCodes.BadRequest, error.Code);
    }

    [Fact]
    public void NamesAreAtMostSixtyFourCharacters()
    {
        var longest = new string('n', 64);
        Assert.Equal(longest, Parse.Command($$"""{"type":"join","room":"{{longest}}"}""").Room);
        Assert.Equal(longest, Parse.Command($$"""{"type":"hello","name":"{{longest}}"}""").Name);
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error($$"""{"type":"join","room":"{{longest}}n"}""").Code);
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error($$"""{"type":"hello","name":"{{longest}}n"}""").Code);
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error($$"""{"type":"send","to":"{{longest}}n","text":"x"}""").Code);
    }

    [Fact]
    public void ATokenIsAtMost8192CharactersInHelloAndAuth()
    {
        var longest = new string('t', ClientFrameParser.MaxTokenLength);
        Assert.Equal(longest, Parse.Command($$"""{"type":"hello","token":"{{longest}}"}""").Token);
        Assert.Equal(longest, Parse.Command($$"""{"type":"auth","token":"{{longest}}"}""").Token);
        Assert.Contains("'token' is longer", Parse.Error($$"""{"type":"hello","token":"{{longest}}t"}""").Message, StringComparison.Ordinal);
        Assert.Contains("'token' is longer", Parse.Error($$"""{"type":"auth","token":"{{longest}}t"}""").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANameKeyIsAtMost64Characters()
    {
        var longest = new string('k', ClientFrameParser.MaxNameKeyLength);
        Assert.Equal(longest, Parse.Command($$"""{"type":"hello","name":"a","nameKey":"{{longest}}"}""").NameKey);
        Assert.Contains("'nameKey' is longer", Parse.Error($$"""{"type":"hello","name":"a","nameKey":"{{longest}}k"}""").Message, StringComparison.Ordinal);
    }
}
