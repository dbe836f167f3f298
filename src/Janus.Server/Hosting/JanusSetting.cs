namespace Janus.Server.Hosting;

/// <summary>One configuration key Janus binds, as <see cref="JanusSettings"/> found it on the options classes.</summary>
/// <param name="Key">
/// The full key, e.g. <c>Janus:Tcp:Port</c>; a <c>*</c> segment stands for any list index or dictionary key, as in
/// <c>Janus:Security:ApiKeys:*</c>.
/// </param>
/// <param name="Type">The property's type (for a list or dictionary entry, the element's type).</param>
/// <param name="Default">The default value as configuration text, or null when there is none.</param>
public sealed record JanusSetting(string Key, Type Type, string? Default)
{
    /// <summary>What a value must look like, in words ("a whole number", "true or false"), for error messages.</summary>
    public string Expected => JanusSettings.Describe(Type);
}
