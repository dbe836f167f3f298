namespace Janus.Client.Tests.Support;

/// <summary>A typed payload for the source-generated publish and <see cref="JanusMessage.GetData{T}"/> tests.</summary>
public sealed record Quote(string Symbol, decimal Price, int[] Sizes);
