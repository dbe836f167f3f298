namespace Janus.Host.Tests;

/// <summary>
/// The content root is the binary's directory: the settings files beside janus are read whatever directory it is
/// started from (JanusProcess starts it in the temp directory).
/// </summary>
public sealed class ContentRootTests
{
    [Fact]
    public async Task The_settings_file_beside_the_binary_is_read_when_started_from_another_directory()
    {
        // appsettings.{environment}.json is read from the content root like appsettings.json, and an environment of
        // its own keeps this file from every other test's janus.
        string environment = "ContentRoot" + Guid.NewGuid().ToString("N")[..8];
        string directory = Path.GetDirectoryName(Path.GetFullPath(JanusProcess.Binary))!;
        string file = Path.Combine(directory, $"appsettings.{environment}.json");
        Assert.NotEqual(Path.GetFullPath(Path.GetTempPath()).TrimEnd('/'), directory.TrimEnd('/'));
        await File.WriteAllTextAsync(file, """{ "Janus": { "Tcp": { "Port": 70000 } } }""");
        try
        {
            (int exitCode, string[] _, string[] error) = await JanusProcess.RunAsync(["--check"], new Dictionary<string, string> { ["DOTNET_ENVIRONMENT"] = environment });

            Assert.Equal(2, exitCode);
            Assert.Contains(error, line => line.Contains("Janus:Tcp:Port", StringComparison.Ordinal) && line.Contains("70000", StringComparison.Ordinal) && line.Contains(environment, StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
