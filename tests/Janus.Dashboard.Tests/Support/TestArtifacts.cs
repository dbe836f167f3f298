namespace Janus.Dashboard.Tests.Support;

/// <summary>
/// Where tests leave files for people: <c>TestResults/screenshots/</c> at the repository root (next to the TRX files
/// test.sh writes), or under the test's output folder when the tests run outside a checkout.
/// </summary>
internal static class TestArtifacts
{
    public static string ScreenshotPath(string name)
    {
        string? folder = AppContext.BaseDirectory;
        string root = AppContext.BaseDirectory;
        while (folder is not null)
        {
            if (File.Exists(Path.Combine(folder, "Janus.slnx")))
            {
                root = folder;
                break;
            }

            folder = Path.GetDirectoryName(folder.TrimEnd(Path.DirectorySeparatorChar));
        }

        string directory = Path.Combine(root, "TestResults", "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }
}
