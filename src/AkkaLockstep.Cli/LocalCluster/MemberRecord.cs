using System.Text.Json.Serialization;

namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>One member of the local cluster as `up` laid it out and started it.</summary>
/// <param name="Pid">0 until started.</param>
/// <param name="StartedAt">The process start time, which tells our process apart from a later one reusing the PID.</param>
/// <param name="Namespace">The network namespace the member runs in (`up --netns`); null on loopback.</param>
/// <param name="PgPort">The host's PostgreSQL gateway port; 0 for the witness (and in a cluster.json older than the gateway).</param>
/// <param name="HostFlags">More flags for a host's command line (an experiment's own settings, e.g. --retain-inputs); kept for restarts.</param>
public sealed record MemberRecord(string Name, string Role, string Hostname, int Port, int CommandPort, int ClientPort,
    string DataDir, string Log, int Pid = 0, DateTimeOffset? StartedAt = null, string? Namespace = null, int PgPort = 0,
    IReadOnlyList<string>? HostFlags = null)
{
    [JsonIgnore]
    public string CommandEndpoint => $"http://{Hostname}:{CommandPort}/";
}
