using System.CommandLine;

namespace ScaleChat.Cli.Serve;

/// <summary>
/// <c>scalechat health</c>: asks a node's health endpoint and exits 0 when it answers 200. The
/// container's health check, which has no curl or shell in a small runtime image.
/// </summary>
internal static class HealthCommand
{
    public const string DefaultUrl = "http://127.0.0.1:8080/healthz";

    public static Command Create()
    {
        var url = new Option<Uri>("--url")
        {
            Description = $"The endpoint to ask (default: {DefaultUrl}; /readyz for readiness).",
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    return uri;
                }

                result.AddError($"--url must be an http:// or https:// URL, not '{text}'");
                return null;
            },
        };
        var command = new Command("health", "Check a running node: exit 0 when its health endpoint answers 200, 1 otherwise.") { url };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
            try
            {
                using var response = await http.GetAsync(parse.GetValue(url) ?? new Uri(DefaultUrl), cancellationToken);
                Console.WriteLine($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"scalechat health: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
