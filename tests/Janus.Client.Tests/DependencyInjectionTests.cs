using System.Collections.Concurrent;
using System.Globalization;
using Janus.Client.Tests.Support;
using Janus.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Janus.Client.Tests;

public sealed class DependencyInjectionTests
{
    [Fact]
    public async Task AddJanusClient_binds_options_from_configuration_logs_through_ILogger_and_connects_on_first_use()
    {
        await using JanusTestServer server = await JanusTestServer.StartAsync();
        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Janus:Client:Host"] = "127.0.0.1",
            ["Janus:Client:Port"] = server.TcpEndPoint!.Port.ToString(CultureInfo.InvariantCulture),
            ["Janus:Client:MessageBufferCapacity"] = "64",
            ["Janus:Client:Reconnect:MaxDelay"] = "00:00:01",
            ["Janus:Client:Reconnect:MaxAttempts"] = "7",
        }).Build();
        var logs = new LogCollector();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        services.AddJanusClient(configuration.GetSection("Janus:Client"), options => options.ConnectTimeout = TimeSpan.FromSeconds(5));

        await using ServiceProvider provider = services.BuildServiceProvider();
        JanusClientOptions options = provider.GetRequiredService<IOptions<JanusClientOptions>>().Value;
        JanusClient client = provider.GetRequiredService<JanusClient>();

        Assert.Equal((64, TimeSpan.FromSeconds(1), 7, TimeSpan.FromSeconds(5)), (options.MessageBufferCapacity, options.Reconnect.MaxDelay, options.Reconnect.MaxAttempts, options.ConnectTimeout));
        Assert.Same(client, provider.GetRequiredService<JanusClient>());
        Assert.False(client.IsConnected);

        await using JanusSubscription news = await client.SubscribeCoreAsync("news").Within();
        await JanusClient.PublishOnceAsync(server.TcpEndPoint, "news", "1"u8.ToArray(), messageId: "di").Within();
        Assert.Equal("di", (await news.ReadMessageAsync().AsTask().Within()).MessageId);
        Assert.Contains(logs.Lines, line => line.StartsWith("Janus.Client: Connected to the Janus server at 127.0.0.1:", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(client.Token, StringComparison.Ordinal));
    }

    private sealed class LogCollector : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }
}
