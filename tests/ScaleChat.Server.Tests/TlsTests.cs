using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ScaleChat.Server.Tests.Infrastructure;

namespace ScaleChat.Server.Tests;

/// <summary>wss:// served by Kestrel itself, with a certificate from configuration (made here, self-signed).</summary>
public sealed class TlsTests : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"scalechat-test-{Guid.NewGuid():N}.pfx");

    public TlsTests()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        File.WriteAllBytes(_path, _certificate.Export(X509ContentType.Pfx, "test"));
    }

    public void Dispose()
    {
        _certificate.Dispose();
        File.Delete(_path);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AClientChatsOverWssWithTheConfiguredCertificate(bool lean)
    {
        await using var server = await TestServer.StartAsync($"ScaleChat:LeanUpgrade={lean}", "urls=https://127.0.0.1:0",
            $"Kestrel:Certificates:Default:Path={_path}", "Kestrel:Certificates:Default:Password=test");
        Assert.Equal("https", server.HttpUrl.Scheme);

        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("scalechat.v1");
        // Trust exactly the certificate made for this test, nothing else.
        socket.Options.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == _certificate.GetCertHashString();
        using var timeout = new CancellationTokenSource(WsClient.Timeout);
        await socket.ConnectAsync(new Uri($"wss://{server.HttpUrl.Authority}/ws"), timeout.Token);
        await socket.SendAsync("{\"type\":\"hello\",\"name\":\"secure\"}"u8.ToArray(), WebSocketMessageType.Text, true, timeout.Token);

        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.StartsWith("{\"type\":\"welcome\",\"user\":\"secure\"", Encoding.UTF8.GetString(buffer, 0, received.Count), StringComparison.Ordinal);
    }

    [Fact]
    public async Task APlainClientIsNotServedOnTheTlsPort()
    {
        await using var server = await TestServer.StartAsync("urls=https://127.0.0.1:0",
            $"Kestrel:Certificates:Default:Path={_path}", "Kestrel:Certificates:Default:Password=test");
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(WsClient.Timeout);
        await Assert.ThrowsAnyAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://{server.HttpUrl.Authority}/ws"), timeout.Token));
    }
}
