using System.Text;
using System.Text.Unicode;
using ScaleChat.Protocol.Frames;

namespace ScaleChat.Protocol.Tests;

/// <summary>A text message is checked for UTF-8 piece by piece, wherever the pieces split its characters.</summary>
public sealed class Utf8StreamTests
{
    [Fact]
    public void ValidTextSplitAnywhereIsAccepted()
    {
        var text = Encoding.UTF8.GetBytes("aé€😀ßz\u07FF\uFFFD\U0010FFFF");
        for (var first = 0; first <= text.Length; first++)
        {
            for (var second = first; second <= text.Length; second++)
            {
                var stream = default(Utf8Stream);
                Assert.True(stream.TryAppend(text.AsSpan(0, first)));
                Assert.True(stream.TryAppend(text.AsSpan(first, second - first)));
                Assert.True(stream.TryAppend(text.AsSpan(second)));
                Assert.True(stream.IsWhole);
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC0, 0xAF })] // an overlong '/'
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a UTF-16 surrogate
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })] // past U+10FFFF
    [InlineData(new byte[] { 0xE2, 0x41 })] // a lead byte without its continuation
    public void InvalidBytesAreRefusedWhereverTheySplit(byte[] invalid)
    {
        for (var split = 0; split <= invalid.Length; split++)
        {
            var stream = default(Utf8Stream);
            var accepted = stream.TryAppend(invalid.AsSpan(0, split)) && stream.TryAppend(invalid.AsSpan(split));
            Assert.False(accepted && stream.IsWhole);
        }
    }

    [Fact]
    public void AMessageThatEndsInsideACharacterIsNotWholeUntilReset()
    {
        var stream = default(Utf8Stream);
        Assert.True(stream.TryAppend([0x61, 0xE2, 0x82]));
        Assert.False(stream.IsWhole);

        stream.Reset();

        Assert.True(stream.IsWhole);
        Assert.True(stream.TryAppend("b"u8));
    }

    [Fact]
    public void RandomPiecesAgreeWithCheckingTheWholeAtOnce()
    {
        var random = new Random(11);
        var alphabet = Encoding.UTF8.GetBytes("aé€😀").Concat(new byte[] { 0x80, 0xBF, 0xC3, 0xE2, 0xF0, 0xFF }).ToArray();
        for (var round = 0; round < 20_000; round++)
        {
            var bytes = new byte[random.Next(0, 12)];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = alphabet[random.Next(alphabet.Length)];
            }

            var stream = default(Utf8Stream);
            var accepted = true;
            for (var at = 0; at < bytes.Length && accepted;)
            {
                var size = Math.Min(random.Next(1, 5), bytes.Length - at);
                accepted = stream.TryAppend(bytes.AsSpan(at, size));
                at += size;
            }

            Assert.True(Utf8.IsValid(bytes) == (accepted && stream.IsWhole), Convert.ToHexString(bytes));
        }
    }
}
