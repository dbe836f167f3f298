using Janus.Testing;
using Microsoft.Extensions.Options;

namespace Janus.Server.Tests.Security;

/// <summary>Bad <c>Janus:Auth</c> and <c>Janus:Security:PublishKeys</c> settings stop start-up and name the key; a secret never appears.</summary>
public sealed class AuthOptionsTests
{
    private const string Secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0"; // 38 bytes

    [Theory]
    [InlineData("Janus:Auth:Protected:0", "private:*", "Janus:Auth:Protected is set but Janus:Auth:SigningKeys is empty")]
    [InlineData("Janus:Auth:Protected:0", "a*b", "Janus:Auth:Protected:0 ('a*b'): '*' may only end a pattern")]
    [InlineData("Janus:Auth:Protected:0", "user:{sub}*", "Janus:Auth:Protected:0 ('user:{sub}*')")]
    [InlineData("Janus:Auth:SigningKeys:0:Secret", "c2hvcnQ=", "Janus:Auth:SigningKeys:0:Secret must be base64 of at least 32 bytes")]
    [InlineData("Janus:Auth:SigningKeys:0:PublicKeyFile", "/nonexistent/key.pem", "Janus:Auth:SigningKeys:0:PublicKeyFile '/nonexistent/key.pem' is not a readable RSA public key")]
    [InlineData("Janus:Auth:ClockSkew", "01:00:00", "Janus:Auth:ClockSkew must be between 0 and 10 minutes")]
    [InlineData("Janus:Security:PublishKeys:0:Key", "short", "Janus:Security:PublishKeys:0:Key must be at least 16 characters")]
    public async Task A_bad_authorization_setting_stops_start_up_with_a_message_naming_it(string key, string value, string message)
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => JanusTestServer.StartAsync(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signing_key_with_both_a_secret_and_a_file_is_refused_without_printing_the_secret()
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(() => JanusTestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Janus:Auth:SigningKeys:0:Secret"] = Secret,
            ["Janus:Auth:SigningKeys:0:PublicKeyFile"] = "/etc/key.pem",
        }));

        Assert.Contains("needs exactly one of Secret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scoped_publish_key_needs_topics()
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => JanusTestServer.StartAsync(new Dictionary<string, string?> { ["Janus:Security:PublishKeys:0:Key"] = "a-long-enough-key-0001" }));
        Assert.Contains("Janus:Security:PublishKeys:0:Topics must name at least one topic", error.Message, StringComparison.Ordinal);
    }
}
