namespace ScaleChat.Client.Tests;

/// <summary>What a client may be made with: a name, a token, or both; a name key only with its name.</summary>
public class ChatClientOptionsTests
{
    private static readonly Uri Url = new("ws://127.0.0.1:1/ws");

    private static ChatClient Make(string? name, string? token = null, string? nameKey = null) =>
        new(new ChatClientOptions { Url = Url, Name = name, Token = token, NameKey = nameKey });

    [Fact]
    public async Task ATokenWithoutANameIsEnough()
    {
        await using var client = Make(name: null, token: "header.payload.signature");
        Assert.Null(client.Options.Name);
    }

    [Fact]
    public async Task ANameKeyGivenInTheOptionsIsTheClientsUntilAWelcomeSaysOtherwise()
    {
        await using var client = Make("alice", nameKey: "k1");
        Assert.Equal("k1", client.NameKey);
        Assert.Null(client.User);
    }

    [Theory]
    [InlineData(null, null, null, "Name")]
    [InlineData("not a name", "tok", null, "Name")]
    [InlineData("alice", "  ", null, "Token")]
    [InlineData("alice", null, "", "NameKey")]
    [InlineData(null, "tok", "k1", "NameKey")]
    public void AnInvalidIdentityIsRefusedWhenTheClientIsMade(string? name, string? token, string? nameKey, string parameter)
    {
        var error = Assert.Throws<ArgumentException>(() => Make(name, token, nameKey));
        Assert.Equal(parameter, error.ParamName);
    }
}
