using Janus.Protocol;

namespace Janus.Server.Sessions;

/// <summary>A protected subscription ended by authorization, and why (<c>unauthorized</c> or <c>token_expired</c>).</summary>
internal readonly record struct TopicRevocation(string Topic, ProtocolError Error);
