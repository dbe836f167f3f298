using Microsoft.Playwright;

namespace Janus.Dashboard.Tests.Support;

/// <summary>A page and its context; records what the page reported as errors (uncaught exceptions, console errors, CSP violations).</summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    internal BrowserPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add("console: " + message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add("uncaught: " + error);
            }
        };
    }

    /// <summary>The page.</summary>
    public IPage Page { get; }

    /// <summary>What the page reported as errors so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Fails the test with everything the page reported, if it reported anything.</summary>
    public void AssertNoErrors()
    {
        IReadOnlyList<string> errors = Errors;
        Assert.True(errors.Count == 0, "The page reported errors:\n" + string.Join("\n", errors));
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
