namespace Janus.Server.Api;

/// <summary>Rates over the last few seconds.</summary>
/// <param name="WindowSeconds">The seconds the rates are averaged over (up to 5; less just after start).</param>
/// <param name="PublishesPerSecond">Messages published per second.</param>
/// <param name="DeliveriesPerSecond">Deliveries queued per second.</param>
/// <param name="BytesSentPerSecond">Bytes written to clients per second.</param>
/// <param name="BytesReceivedPerSecond">Bytes read from clients per second.</param>
public sealed record RateStats(double WindowSeconds, double PublishesPerSecond, double DeliveriesPerSecond, double BytesSentPerSecond, double BytesReceivedPerSecond);
