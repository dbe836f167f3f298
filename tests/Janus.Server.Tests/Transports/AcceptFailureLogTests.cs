using Janus.Server.Transports.Epoll;

namespace Janus.Server.Tests.Transports;

/// <summary>How often an out-of-descriptors episode is logged: at its start, once a minute, and at its end.</summary>
public sealed class AcceptFailureLogTests
{
    [Fact]
    public void TheFirstFailureOfAnEpisodeIsLoggedAndTheRetriesOfTheNextMinuteAreNot()
    {
        var log = default(AcceptFailureLog);

        Assert.True(log.OnFailure());
        for (int i = 1; i < AcceptFailureLog.RetriesPerLine; i++)
        {
            Assert.False(log.OnFailure());
        }

        Assert.True(log.OnFailure());
        Assert.Equal(AcceptFailureLog.RetriesPerLine + 1, log.Failures);
    }

    [Fact]
    public void ASuccessEndsTheEpisodeWithItsCountAndTheNextFailureIsLoggedAgain()
    {
        var log = default(AcceptFailureLog);
        for (int i = 0; i < 5; i++)
        {
            log.OnFailure();
        }

        Assert.Equal(5, log.OnSuccess());
        Assert.Equal(0, log.Failures);
        Assert.Equal(0, log.OnSuccess());
        Assert.True(log.OnFailure());
    }
}
