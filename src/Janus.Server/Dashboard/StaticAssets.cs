using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Extensions.FileProviders;

namespace Janus.Server.Dashboard;

/// <summary>
/// The files of <c>wwwroot/</c> (the dashboard and <c>janus.js</c>), embedded in this assembly with a manifest and
/// read once into memory. <c>wwwroot/index.html</c> is served at <c>/</c>, every other file at its own path.
/// </summary>
internal sealed class StaticAssets
{
    /// <summary>Paths that belong to the rest of Janus; no file may be served under them.</summary>
    internal static readonly string[] ReservedPaths = ["/ws", "/api", "/metrics", "/healthz", "/readyz"];

    private static readonly Lazy<StaticAssets> Embedded = new(static () => Load(typeof(StaticAssets).Assembly));

    private StaticAssets(IReadOnlyList<StaticAsset> assets) => All = assets;

    /// <summary>Every file, in path order.</summary>
    public IReadOnlyList<StaticAsset> All { get; }

    /// <summary>The files embedded in Janus.Server (read once per process: they cannot change while it runs).</summary>
    public static StaticAssets Default => Embedded.Value;

    /// <summary>Reads the <c>wwwroot</c> folder embedded in <paramref name="assembly"/>.</summary>
    public static StaticAssets Load(Assembly assembly)
    {
        var provider = new ManifestEmbeddedFileProvider(assembly, "wwwroot");
        var assets = new List<StaticAsset>();
        Collect(provider, string.Empty, assets);
        assets.Sort(static (a, b) => string.CompareOrdinal(a.Route, b.Route));
        if (assets.Count == 0 || assets[0].Route != "/")
        {
            // A build that lost the embedded files must not start a Janus whose dashboard is a 404.
            throw new InvalidOperationException($"{assembly.GetName().Name} has no embedded wwwroot/index.html.");
        }

        return new StaticAssets(assets);
    }

    private static void Collect(IFileProvider provider, string folder, List<StaticAsset> assets)
    {
        // The provider resolves "" to nothing: the root is "/".
        foreach (IFileInfo file in provider.GetDirectoryContents(folder.Length == 0 ? "/" : folder))
        {
            string path = folder.Length == 0 ? file.Name : folder + "/" + file.Name;
            if (file.IsDirectory)
            {
                Collect(provider, path, assets);
            }
            else
            {
                assets.Add(Create(path, Read(file)));
            }
        }
    }

    private static StaticAsset Create(string path, byte[] content)
    {
        string route = path == "index.html" ? "/" : "/" + path;
        foreach (string reserved in ReservedPaths)
        {
            if (route.Equals(reserved, StringComparison.OrdinalIgnoreCase) || route.StartsWith(reserved + "/", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"wwwroot/{path} would be served at {route}, which belongs to {reserved}.");
            }
        }

        string extension = Path.GetExtension(path);
        (string contentType, bool text) = extension switch
        {
            ".html" => ("text/html; charset=utf-8", true),
            ".js" or ".mjs" => ("text/javascript; charset=utf-8", true),
            ".css" => ("text/css; charset=utf-8", true),
            ".svg" => ("image/svg+xml", true),
            ".png" => ("image/png", false),
            _ => throw new InvalidOperationException($"wwwroot/{path}: no content type is known for '{extension}'; add one in {nameof(StaticAssets)}."),
        };

        // Already-compressed formats gain nothing; text shrinks by two thirds or more.
        byte[]? gzip = text ? Compress(content) : null;
        if (gzip is not null && gzip.Length >= content.Length)
        {
            gzip = null;
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12));
        bool isDocument = extension == ".html";
        bool isLibrary = route is "/janus.js" or "/janus.mjs";
        return new StaticAsset(route, contentType, content, gzip, hash, isDocument, isLibrary);
    }

    private static byte[] Read(IFileInfo file)
    {
        using Stream stream = file.CreateReadStream();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static byte[] Compress(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }
}
