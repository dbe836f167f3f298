namespace Janus.Fuzz.Tests;

/// <summary>
/// The seed inputs checked in under <c>corpus/&lt;target&gt;/</c>, one input per file (raw bytes, the libFuzzer
/// convention, so the same directories could seed a coverage-guided fuzzer). Generators start from these and mutate them.
/// </summary>
internal static class Corpus
{
    /// <summary>Every file of one target's corpus, in name order.</summary>
    public static byte[][] Load(string target)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "corpus", target);
        byte[][] inputs = Directory.GetFiles(directory)
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .ToArray();
        if (inputs.Length == 0)
        {
            throw new InvalidOperationException($"the corpus {directory} is empty");
        }

        return inputs;
    }
}
