using Microsoft.Playwright;

namespace Janus.Dashboard.Tests.Support;

/// <summary>
/// One headless Chromium for every browser test: Debian's <c>chromium</c> driven by Playwright (Playwright's own
/// browser download cannot run here). Without Chromium the fixture fails at once with what to install, so every
/// browser test fails with that message instead of hanging.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package puts the browser; <c>JANUS_CHROMIUM</c> overrides it.</summary>
    public const string DefaultChromiumPath = "/usr/bin/chromium";

    /// <summary>How long one expectation or page action may take before the test fails (the machine is shared and slow at times).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser.</summary>
    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser did not start.");

    public async Task InitializeAsync()
    {
        string path = Environment.GetEnvironmentVariable("JANUS_CHROMIUM") is { Length: > 0 } custom ? custom : DefaultChromiumPath;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Chromium was not found at {path}. The browser tests drive Debian's chromium: install it with " +
                "'apt-get install -y chromium' (test.sh does this), or set JANUS_CHROMIUM to a Chromium executable.");
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Timeout = (float)TimeSpan.FromSeconds(60).TotalMilliseconds,
            Args =
            [
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        });
        Assertions.SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);
    }

    /// <summary>A fresh page in its own context (no shared cookies or cache), with console errors recorded.</summary>
    public async Task<BrowserPage> NewPageAsync(int width = 1440, int height = 2000)
    {
        IBrowserContext context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = ColorScheme.Dark,
        });
        context.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        IPage page = await context.NewPageAsync();
        return new BrowserPage(context, page);
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
