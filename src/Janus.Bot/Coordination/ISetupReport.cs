namespace Janus.Bot.Coordination;

/// <summary>The setup figures every coordinator's report carries, filled in by <see cref="FleetStart"/>.</summary>
internal interface ISetupReport
{
    /// <summary>Wall clock (unix ms) when the workers were told to connect.</summary>
    long StartUnixMs { get; set; }

    /// <summary>From the go signal to the last worker's ready.</summary>
    double SetupMs { get; set; }

    /// <summary>Wall clock (unix ms) when setup ended.</summary>
    long SetupDoneUnixMs { get; set; }

    long Subscribed { get; set; }

    long SetupFailures { get; set; }

    double BotSetupCpuMs { get; set; }
}
