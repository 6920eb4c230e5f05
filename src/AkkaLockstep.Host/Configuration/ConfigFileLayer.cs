using System.Text.Json;
using System.Text.Json.Serialization;

namespace AkkaLockstep.Host.Configuration;

/// <summary>
/// Reads a role's JSON config file (config/host.json, config/witness.json or --config FILE) into a settings layer.
/// Unknown keys are errors, so a misspelt setting is not silently ignored.
/// </summary>
public static class ConfigFileLayer
{
    public const string FolderName = "config";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>The first <c>config/ROLE.json</c> found in <paramref name="searchDirectories"/>, in that order.</summary>
    public static string? Find(string role, IEnumerable<string> searchDirectories) =>
        searchDirectories
            .Select(dir => Path.Combine(dir, FolderName, role + ".json"))
            .FirstOrDefault(File.Exists);

    public static HostOptionsLayer Read(string path, List<string> errors)
    {
        if (!File.Exists(path))
        {
            errors.Add($"config file '{path}' does not exist");
            return HostOptionsLayer.Empty;
        }
        try
        {
            return JsonSerializer.Deserialize<HostOptionsLayer>(File.ReadAllText(path), Json) ?? HostOptionsLayer.Empty;
        }
        catch (JsonException e)
        {
            errors.Add($"config file '{path}': {e.Message}");
            return HostOptionsLayer.Empty;
        }
    }
}
