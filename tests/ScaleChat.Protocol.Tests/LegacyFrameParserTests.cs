using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>The two frame shapes of the legacy scale-chat format (section 13).</summary>
public sealed class LegacyFrameParserTests
{
    [Fact]
    public void TheOriginalShapeGivesSenderAndTextWithNothingToEcho()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy("""{"clientId":"alice","message":"hi"}""", out var frame));
        Assert.Equal(new LegacyFrame("alice", "hi", null), frame);
    }

    [Fact]
    public void KeysAreMatchedCaseInsensitively()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy("""{"CLIENTID":"alice","Message":"hi"}""", out var frame));
        Assert.Equal("hi", frame!.Text);
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy("""{"Sender":"bob","TEXT":"yo","Message_Id":1}""", out frame));
        Assert.Equal("bob", frame!.Sender);
    }

    [Fact]
    public void TheLaterShapeKeepsMessageIdAndSentAtAsCompactJsonToEcho()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy(
            """{"message_id": 7, "text":"hi","sender":"alice","sent_at":"2022-02-08T10:00:00Z","room":"ignored"}""", out var frame));
        Assert.Equal(new LegacyFrame("alice", "hi", new LegacyEcho("7", "\"2022-02-08T10:00:00Z\"")), frame);
    }

    [Fact]
    public void TheLaterShapeWinsWhenAFrameHasBoth()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy("""{"clientId":"old","message":"m","sender":"new","text":"t"}""", out var frame));
        Assert.Equal(("new", "t"), (frame!.Sender, frame.Text));
        Assert.NotNull(frame.Echo);
    }

    [Fact]
    public void AnEchoedStringIsEscapedSoThatItStaysOneJsonValue()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy("""{"message_id":"a\"b</c>","text":"hi","sender":"alice"}""", out var frame));
        var echoed = System.Text.Json.JsonDocument.Parse(frame!.Echo!.MessageIdJson!).RootElement.GetString();
        Assert.Equal("a\"b</c>", echoed);
    }

    [Theory]
    [InlineData("""{"message_id":"ab\u0001","text":"hi","sender":"alice"}""")]
    [InlineData("""{"message_id":"ab\u007f","text":"hi","sender":"alice"}""")]
    [InlineData("""{"message_id":1.5,"text":"hi","sender":"alice"}""")]
    [InlineData("""{"message_id":true,"text":"hi","sender":"alice"}""")]
    [InlineData("""{"message_id":{"nested":1},"text":"hi","sender":"alice"}""")]
    [InlineData("""{"sent_at":[1,2],"text":"hi","sender":"alice"}""")]
    [InlineData("""{"sent_at":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","text":"hi","sender":"alice"}""")]
    public void AMessageIdOrSentAtThatIsNotAShortStringOrAnIntegerIsDropped(string json)
    {
        Assert.Equal(LegacyParseResult.Invalid, Parse.Legacy(json, out var frame));
        Assert.Null(frame);
    }

    [Fact]
    public void AnEchoOfSixtyFourCharactersIsKept()
    {
        var longest = new string('x', LegacyFrameParser.MaxEchoLength);
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy($$"""{"sent_at":"{{longest}}","text":"hi","sender":"alice"}""", out var frame));
        Assert.Equal($"\"{longest}\"", frame!.Echo!.SentAtJson);
    }

    [Theory]
    [InlineData("""{"clientId":"al ice","message":"hi"}""")]
    [InlineData("""{"sender":"..","text":"hi"}""")]
    [InlineData("""{"clientId":"alice"}""")]
    [InlineData("""{"message":"hi"}""")]
    [InlineData("""{"clientId":5,"message":"hi"}""")]
    [InlineData("""{"sender":"alice","text":{"a":"hi"}}""")]
    [InlineData("""["clientId","alice"]""")]
    [InlineData("""{"clientId":"alice","message":"hi"}{"x":1}""")]
    [InlineData("""{"clientId":"alice","message":"hi\ud800"}""")]
    [InlineData("""{"clientId":"alice","message":"hi""")]
    [InlineData("")]
    public void AFrameThatIsNeitherShapeOrBreaksARuleIsDropped(string json)
    {
        Assert.Equal(LegacyParseResult.Invalid, Parse.Legacy(json, out var frame));
        Assert.Null(frame);
    }

    [Fact]
    public void ATextOverTheLimitInBytesIsTooLarge()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy($$"""{"clientId":"alice","message":"{{new string('é', 2048)}}"}""", out _));
        Assert.Equal(LegacyParseResult.TooLarge, Parse.Legacy($$"""{"clientId":"alice","message":"{{new string('é', 2049)}}"}""", out _));
        Assert.Equal(LegacyParseResult.TooLarge, Parse.Legacy("""{"sender":"alice","text":"eleven char"}""", out _, new ProtocolLimits { MaxMessageBytes = 10 }));
    }

    [Fact]
    public void NestedValuesOfOtherKeysAreSkipped()
    {
        Assert.Equal(LegacyParseResult.Chat, Parse.Legacy("""{"meta":{"clientId":"eve","message":"x"},"clientId":"alice","message":"hi","tags":[1,{"a":2}]}""", out var frame));
        Assert.Equal("alice", frame!.Sender);
    }
}
