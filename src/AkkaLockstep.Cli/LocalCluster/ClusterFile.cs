using System.Text.Json;
using AkkaLockstep.Cli.Netns;

namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>
/// .lockstep/cluster.json: the local cluster `up` started (members, PIDs, ports, and with --netns its network)
/// and the command endpoint the other commands use by default. `down` removes it.
/// </summary>
/// <param name="Network">The namespaces and bridge of an `up --netns` cluster; written before any of them is created,
/// so that `down` can remove them even if `up` was killed half-way. Null on loopback.</param>
public sealed record ClusterFile(int BasePort, string Endpoint, IReadOnlyList<MemberRecord> Members, NetworkPlan? Network = null)
{
    public const string FileName = "cluster.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string PathIn(string stateDirectory) => Path.Combine(stateDirectory, FileName);

    public static ClusterFile? TryLoad(string stateDirectory)
    {
        var path = PathIn(stateDirectory);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ClusterFile>(File.ReadAllText(path), Json)
                   ?? throw new JsonException("the file is empty");
        }
        catch (JsonException e)
        {
            throw new CliException($"{path} is unreadable ({e.Message}); stop its processes by hand and delete it");
        }
    }

    /// <summary>Written to a temporary file and moved into place, so a reader never sees half a file.</summary>
    public void Save(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = PathIn(stateDirectory);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    public static void Delete(string stateDirectory) => File.Delete(PathIn(stateDirectory));

    public ClusterFile With(MemberRecord member) =>
        this with { Members = Members.Select(m => m.Name == member.Name ? member : m).ToList() };
}
