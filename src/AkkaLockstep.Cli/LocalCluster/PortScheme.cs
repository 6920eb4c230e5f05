namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>
/// Ports of the local cluster. With the default base port 4053:
/// witness remoting 4053, command 9110; h1 remoting 4054, command 9111, client 9200, PostgreSQL 5433;
/// h2 remoting 4055, command 9112, client 9201, PostgreSQL 5434. --base-port B shifts every port by B - 4053.
/// The PostgreSQL ports start one above PostgreSQL's own 5432, so a local PostgreSQL server does not collide.
/// </summary>
public static class PortScheme
{
    public const int DefaultBasePort = 4053;
    public const string Hostname = "127.0.0.1";

    private static readonly (string Name, string Role, int Port, int CommandPort, int ClientPort, int PgPort)[] Defaults =
    [
        ("witness", Host.HostOptions.WitnessRole, 4053, 9110, 0, 0),
        ("h1", Host.HostOptions.HostRole, 4054, 9111, 9200, 5433),
        ("h2", Host.HostOptions.HostRole, 4055, 9112, 9201, 5434),
    ];

    /// <summary>Base ports for which every shifted port stays within 1-65535.</summary>
    public static (int Min, int Max) BasePortRange =>
        (DefaultBasePort - Defaults.Min(d => d.Port) + 1,
         DefaultBasePort + 65535 - Defaults.Max(d => Math.Max(Math.Max(d.CommandPort, d.ClientPort), d.PgPort)));

    public static IReadOnlyList<MemberRecord> Members(int basePort, string stateDirectory)
    {
        var (min, max) = BasePortRange;
        if (basePort < min || basePort > max)
            throw new CliException($"--base-port {basePort} is out of range {min}-{max}");
        var shift = basePort - DefaultBasePort;
        return Defaults.Select(d => new MemberRecord(d.Name, d.Role, Hostname, d.Port + shift, d.CommandPort + shift,
                d.ClientPort == 0 ? 0 : d.ClientPort + shift,
                Path.Combine(stateDirectory, d.Name), Path.Combine(stateDirectory, d.Name + ".log"),
                PgPort: d.PgPort == 0 ? 0 : d.PgPort + shift))
            .ToList();
    }

    /// <summary>A base port whose whole scheme (remoting, command, client and PostgreSQL ports) is free right now.</summary>
    public static int FindFreeBase(string stateDirectory)
    {
        var (min, max) = BasePortRange;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = Random.Shared.Next(Math.Max(min, 20_000), Math.Min(max, 50_000));
            if (Members(candidate, stateDirectory).SelectMany(m => new[] { m.Port, m.CommandPort, m.ClientPort, m.PgPort })
                .Where(p => p > 0).All(PortProbe.IsFree))
                return candidate;
        }
        throw new CliException("no free base port found for a local cluster");
    }

    /// <summary>
    /// Every member is a seed, the witness first (it forms the cluster when all start together). With the witness
    /// as the only seed, a restarted witness would form a cluster of its own instead of rejoining the hosts.
    /// </summary>
    public static string Seed(IReadOnlyList<MemberRecord> members) =>
        string.Join(",", members.OrderBy(m => m.Role == Host.HostOptions.WitnessRole ? 0 : 1)
            .Select(m => $"akka.tcp://{Host.HostOptions.ActorSystemName}@{m.Hostname}:{m.Port}"));

    /// <summary>The endpoint the CLI talks to by default: the first host's (hosts serve every command).</summary>
    public static string Endpoint(IReadOnlyList<MemberRecord> members) =>
        members.First(m => m.Role == Host.HostOptions.HostRole).CommandEndpoint;
}
