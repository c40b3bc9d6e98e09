using Microsoft.Playwright;

namespace ScaleChat.Web.Tests.Infrastructure;

/// <summary>
/// One headless Chromium for the whole test run: the system's own (Debian's <c>chromium</c>), not a
/// browser that Playwright downloads. Each test opens its own contexts, so pages share nothing.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where the browser is looked for, unless <c>SCALECHAT_CHROMIUM</c> names another.</summary>
    public const string DefaultChromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: <c>TestResults/screenshots</c> at the repository root.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("SCALECHAT_CHROMIUM") ?? DefaultChromium;
        // Fail, never skip: a missing browser must not turn the browser tests green.
        Assert.True(File.Exists(chromium), $"Chromium not found at {chromium}: install Debian's 'chromium' (scripts/test.sh does) or set SCALECHAT_CHROMIUM.");
        _playwright = await Playwright.CreateAsync().WaitAsync(TimeSpan.FromSeconds(30));
        // Playwright adds --headless and --no-sandbox (needed as root) and a new empty profile directory.
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            ChromiumSandbox = false,
            Timeout = 30_000,
            Args =
            [
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _playwright?.Dispose();
    }

    /// <summary>A fresh browser context (its own storage) with one page, at a desktop size unless told.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 760)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        }).WaitAsync(TimeSpan.FromSeconds(30));
        var page = await context.NewPageAsync().WaitAsync(TimeSpan.FromSeconds(30));
        page.SetDefaultTimeout(15_000);
        return page;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ScaleChat.slnx")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
