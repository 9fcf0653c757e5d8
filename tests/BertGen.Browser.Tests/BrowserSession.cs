using Microsoft.Playwright;

namespace BertGen.Browser.Tests;

/// <summary>Chromium under Playwright, and a temporary folder for the runs a test class writes; both gone when disposed.</summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;

    private BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    /// <summary>The browser, with nothing in the background that would reach the network.</summary>
    public IBrowser Browser { get; }

    /// <summary>A folder of this session's own, created when first written to.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "bertgen-browser-tests", Guid.NewGuid().ToString("N"));

    /// <summary>Launches the Chromium <see cref="Chromium.Executable"/> finds.</summary>
    public static async Task<BrowserSession> Start()
    {
        string chromium = Chromium.Executable;
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new BrowserSession(playwright, browser);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
