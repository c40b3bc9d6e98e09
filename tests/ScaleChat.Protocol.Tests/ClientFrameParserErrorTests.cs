using System.Text;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>
/// Every wrong object is refused with its own error, never an exception: the code of section 6 and a
/// message that names the field at fault, with the object's ref when that ref itself was valid.
/// </summary>
public sealed class ClientFrameParserErrorTests
{
    [Theory]
    [InlineData("""{"type":"hello","name":7}""", "'name' must be a string")]
    [InlineData("""{"type":"hello","name":"al ice"}""", "'name' must be 1-64")]
    [InlineData("""{"type":"hello","token":true}""", "'token' must be a string")]
    [InlineData("""{"type":"hello","nameKey":[]}""", "'nameKey' must be a string")]
    [InlineData("""{"type":"hello","presence":"yes"}""", "'presence' must be true or false")]
    [InlineData("""{"type":"join"}""", "missing 'room'")]
    [InlineData("""{"type":"join","room":5}""", "'room' must be a string")]
    [InlineData("""{"type":"join","room":"a/b"}""", "'room' must be 1-64")]
    [InlineData("""{"type":"join","room":"dev","presence":1}""", "'presence' must be true or false")]
    [InlineData("""{"type":"join","room":"dev","after":42}""", "'after' must be an object")]
    [InlineData("""{"type":"join","room":"dev","after":{"seq":-1,"epoch":"e"}}""", "'after' must be an object")]
    [InlineData("""{"type":"join","room":"dev","after":{"seq":1.5,"epoch":"e"}}""", "'after' must be an object")]
    [InlineData("""{"type":"join","room":"dev","after":{"seq":1}}""", "'after' must be an object")]
    [InlineData("""{"type":"join","room":"dev","after":{"epoch":"e"}}""", "'after' must be an object")]
    [InlineData("""{"type":"join","room":"dev","after":{"seq":1,"epoch":2}}""", "'after' must be an object")]
    [InlineData("""{"type":"leave"}""", "missing 'room'")]
    [InlineData("""{"type":"leave","room":"."}""", "'room' must be 1-64")]
    [InlineData("""{"type":"who","room":{}}""", "'room' must be a string")]
    [InlineData("""{"type":"send","text":"hi"}""", "exactly one of 'room' or 'to'")]
    [InlineData("""{"type":"send","room":"dev","to":"bob","text":"hi"}""", "exactly one of 'room' or 'to'")]
    [InlineData("""{"type":"send","room":"dev"}""", "missing 'text'")]
    [InlineData("""{"type":"send","room":"dev","text":3}""", "'text' must be a string")]
    [InlineData("""{"type":"send","to":false,"text":"hi"}""", "'to' must be a string")]
    [InlineData("""{"type":"send","to":"b ob","text":"hi"}""", "'to' must be 1-64")]
    [InlineData("""{"type":"send","room":"..","text":"hi"}""", "'room' must be 1-64")]
    [InlineData("""{"type":"history","room":"dev","before":0}""", "'before' must be a positive integer")]
    [InlineData("""{"type":"history","room":"dev","before":"43"}""", "'before' must be an integer")]
    [InlineData("""{"type":"history","room":"dev","limit":0}""", "'limit' must be a positive integer")]
    [InlineData("""{"type":"history","room":"dev","limit":2.5}""", "'limit' must be an integer")]
    [InlineData("""{"type":"history","room":"dev","limit":99999999999999999999}""", "'limit' must be an integer")]
    [InlineData("""{"type":"auth"}""", "missing 'token'")]
    [InlineData("""{"type":"auth","token":""}""", "missing 'token'")]
    [InlineData("""{"type":"auth","token":1}""", "'token' must be a string")]
    public void AWrongFieldIsABadRequestThatNamesIt(string json, string message)
    {
        var error = Parse.Error(json);
        Assert.Equal(ErrorCodes.BadRequest, error.Code);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AFieldErrorCarriesTheObjectsRef()
    {
        Assert.Equal(MessageRef.FromString("b7"), Parse.Error("""{"type":"send","room":"dev","text":3,"ref":"b7"}""").Ref);
        Assert.Equal(MessageRef.FromNumber(8), Parse.Error("""{"ref":8,"type":"history","room":"dev","limit":0}""").Ref);
    }

    [Theory]
    [InlineData("""{"type":"ping","ref":true}""")]
    [InlineData("""{"type":"ping","ref":1.5}""")]
    [InlineData("""{"type":"ping","ref":{"a":1}}""")]
    [InlineData("""{"type":"ping","ref":"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"}""")]
    public void AnInvalidRefIsABadRequestWithoutARef(string json)
    {
        var error = Parse.Error(json);
        Assert.Equal(ErrorCodes.BadRequest, error.Code);
        Assert.Contains("'ref'", error.Message, StringComparison.Ordinal);
        Assert.False(error.Ref.HasValue);
    }

    [Theory]
    [InlineData("""{"room":"dev"}""", "missing 'type'")]
    [InlineData("""{"type":null}""", "'type' must be a string")]
    [InlineData("""{"type":1,"ref":"t"}""", "'type' must be a string")]
    public void AMissingOrNonStringTypeIsABadRequest(string json, string message)
    {
        var error = Parse.Error(json);
        Assert.Equal(ErrorCodes.BadRequest, error.Code);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void AnUnknownTypeHasItsOwnCodeAndKeepsTheRef()
    {
        var error = Parse.Error("""{"type":"dance","ref":3}""");
        Assert.Equal(ErrorCodes.UnknownType, error.Code);
        Assert.Equal(MessageRef.FromNumber(3), error.Ref);
        Assert.Contains("dance", error.Message, StringComparison.Ordinal);
        Assert.True(Parse.Error($$"""{"type":"{{new string('x', 10_000)}}"}""").Message.Length < 200, "an unknown type is quoted cut short");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"hello\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("   ")]
    public void ANonObjectIsABadRequest(string json) =>
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error(json).Code);

    [Theory]
    [InlineData("""{"type":"ping""")]
    [InlineData("""{"type":"ping",}""")]
    [InlineData("""{type:"ping"}""")]
    [InlineData("""{"type":'ping'}""")]
    [InlineData("""{"type":"ping"}}""")]
    [InlineData("""{"type":"send","room":"dev","text":"\ud800"}""")]
    public void MalformedJsonIsABadRequest(string json)
    {
        var error = Parse.Error(json);
        Assert.Equal(ErrorCodes.BadRequest, error.Code);
        Assert.StartsWith("malformed JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"ping"}{"type":"ping"}""")]
    [InlineData("""{"type":"ping"} {"type":"ping"}""")]
    [InlineData("""{"type":"ping"} 1""")]
    public void TwoObjectsOnOneLineAreABadRequest(string json) =>
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error(json).Code);

    [Fact]
    public void NestingDeeperThanSixteenIsABadRequest()
    {
        var deep = string.Concat(Enumerable.Repeat("[", 40)) + string.Concat(Enumerable.Repeat("]", 40));
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error($$"""{"type":"ping","x":{{deep}}}""").Code);
    }

    [Theory]
    [InlineData(new byte[] { 0x7B, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D })] // {"type":"<C3 28>"}
    [InlineData(new byte[] { 0x7B, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D })] // {"type":"<FF>"}
    [InlineData(new byte[] { 0x7B, 0xFF, 0x7D })] // {<FF>}
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, 0xFE })]
    public void InvalidUtf8IsABadRequestNotAnException(byte[] utf8) =>
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error(utf8).Code);

    [Fact]
    public void InvalidUtf8InATextIsABadRequest()
    {
        var json = Encoding.UTF8.GetBytes("""{"type":"send","room":"dev","text":"ab"}""");
        json[^4] = 0xC0; // an overlong lead byte in place of 'a'
        Assert.Equal(ErrorCodes.BadRequest, Parse.Error(json).Code);
    }
}
