using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>Every command of version 1 is read with its fields (docs/protocol.md, section 3).</summary>
public sealed class ClientFrameParserTests
{
    [Fact]
    public void AHelloGivesItsNameKeyTokenAndPresence()
    {
        var command = Parse.Command("""{"type":"hello","name":"alice","nameKey":"kq3YbV0w1n8mJt2fXr6LZg","token":"t.o.k","presence":true,"ref":"h1"}""");
        Assert.Equal(ClientCommandType.Hello, command.Type);
        Assert.Equal("alice", command.Name);
        Assert.Equal("kq3YbV0w1n8mJt2fXr6LZg", command.NameKey);
        Assert.Equal("t.o.k", command.Token);
        Assert.True(command.Presence);
        Assert.Equal(MessageRef.FromString("h1"), command.Ref);
    }

    [Fact]
    public void AHelloWithoutANameIsLeftForTheServerToJudge()
    {
        var command = Parse.Command("""{"type":"hello"}""");
        Assert.Equal(ClientCommandType.Hello, command.Type);
        Assert.Null(command.Name);
        Assert.False(command.Presence);
    }

    [Fact]
    public void AJoinGivesItsRoomPresenceAndResumePosition()
    {
        var command = Parse.Command("""{"type":"join","room":"dev","after":{"seq":42,"epoch":"7f3e9a0c12d4"},"presence":true}""");
        Assert.Equal(ClientCommandType.Join, command.Type);
        Assert.Equal("dev", command.Room);
        Assert.True(command.HasAfter);
        Assert.Equal(42, command.AfterSeq);
        Assert.Equal("7f3e9a0c12d4", command.AfterEpoch);
        Assert.True(command.Presence);
    }

    [Fact]
    public void AJoinWithoutAfterOrWithANullAfterDoesNotResume()
    {
        Assert.False(Parse.Command("""{"type":"join","room":"dev"}""").HasAfter);
        Assert.False(Parse.Command("""{"type":"join","room":"dev","after":null}""").HasAfter);
        Assert.True(Parse.Command("""{"type":"join","room":"dev","after":{"seq":0,"epoch":""}}""").HasAfter);
    }

    [Theory]
    [InlineData("leave", ClientCommandType.Leave)]
    [InlineData("who", ClientCommandType.Who)]
    public void ARoomCommandGivesItsRoom(string type, ClientCommandType expected)
    {
        var command = Parse.Command($$"""{"type":"{{type}}","room":"dev.ops_1-2"}""");
        Assert.Equal(expected, command.Type);
        Assert.Equal("dev.ops_1-2", command.Room);
    }

    [Fact]
    public void ASendToARoomGivesItsRoomTextAndRef()
    {
        var command = Parse.Command("""{"type":"send","room":"dev","text":"build is green","ref":"a1"}""");
        Assert.Equal(ClientCommandType.Send, command.Type);
        Assert.Equal("dev", command.Room);
        Assert.Null(command.To);
        Assert.Equal("build is green", command.Text);
        Assert.Equal(MessageRef.FromString("a1"), command.Ref);
    }

    [Fact]
    public void ASendToAUserGivesItsAddresseeAndANumericRef()
    {
        var command = Parse.Command("""{"type":"send","to":"bob","text":"lunch?","ref":2}""");
        Assert.Equal("bob", command.To);
        Assert.Null(command.Room);
        Assert.Equal(MessageRef.FromNumber(2), command.Ref);
    }

    [Fact]
    public void ATextKeepsEscapesAndNonAsciiExactly()
    {
        var command = Parse.Command("""{"type":"send","room":"dev","text":"line\none \"quoted\" \\ h\u00e9llo ✓ 🎉"}""");
        Assert.Equal("line\none \"quoted\" \\ héllo ✓ 🎉", command.Text);
    }

    [Fact]
    public void AHistoryGivesItsRoomBeforeAndLimit()
    {
        var command = Parse.Command("""{"type":"history","room":"dev","before":43,"limit":2}""");
        Assert.Equal(ClientCommandType.History, command.Type);
        Assert.Equal(43, command.Before);
        Assert.Equal(2, command.Limit);
    }

    [Fact]
    public void AHistoryDefaultsToTheNewestFiftyAndCapsTheLimitAtFiveHundred()
    {
        var plain = Parse.Command("""{"type":"history","room":"dev"}""");
        Assert.Equal(0, plain.Before);
        Assert.Equal(ClientFrameParser.DefaultHistoryLimit, plain.Limit);
        Assert.Equal(50, plain.Limit);
        Assert.Equal(500, Parse.Command("""{"type":"history","room":"dev","limit":100000}""").Limit);
        Assert.Equal(0, Parse.Command("""{"type":"history","room":"dev","before":null}""").Before);
    }

    [Fact]
    public void APingNeedsNothingButMayCarryARef()
    {
        Assert.Equal(ClientCommandType.Ping, Parse.Command("""{"type":"ping"}""").Type);
        Assert.Equal(MessageRef.FromNumber(17), Parse.Command("""{"type":"ping","ref":17}""").Ref);
    }

    [Fact]
    public void AnAuthGivesItsToken()
    {
        var command = Parse.Command("""{"type":"auth","token":"a.b.c","ref":5}""");
        Assert.Equal(ClientCommandType.Auth, command.Type);
        Assert.Equal("a.b.c", command.Token);
    }

    [Fact]
    public void UnknownFieldsOfAnyShapeAreIgnored()
    {
        var command = Parse.Command("""{"extra":{"deep":[1,2,{"x":null}]},"type":"send","room":"dev","n":1.5,"text":"hi","b":false}""");
        Assert.Equal("hi", command.Text);
    }

    [Fact]
    public void ANullFieldCountsAsAbsent()
    {
        var command = Parse.Command("""{"type":"send","room":"dev","to":null,"text":"hi","ref":null,"presence":null}""");
        Assert.Equal("dev", command.Room);
        Assert.False(command.Ref.HasValue);
    }

    [Fact]
    public void EscapedPropertyNamesAreTheSameFields()
    {
        var command = Parse.Command("""{"\u0074ype":"send","ro\u006fm":"dev","text":"hi"}""");
        Assert.Equal(ClientCommandType.Send, command.Type);
        Assert.Equal("dev", command.Room);
    }

    [Fact]
    public void ARefOfSixtyFourCharactersOrALongIntegerIsEchoedAsGiven()
    {
        var longest = new string('r', MessageRef.MaxLength);
        Assert.Equal(MessageRef.FromString(longest), Parse.Command($$"""{"type":"ping","ref":"{{longest}}"}""").Ref);
        Assert.Equal(MessageRef.FromNumber(long.MinValue), Parse.Command($$"""{"type":"ping","ref":{{long.MinValue}}}""").Ref);
    }

    [Fact]
    public void SurroundingWhitespaceIsNotASecondObject()
    {
        Assert.Equal(ClientCommandType.Ping, Parse.Command(" \t{\"type\":\"ping\"}\r\n ").Type);
    }
}
