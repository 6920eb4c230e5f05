using System.Text.RegularExpressions;

namespace AkkaLockstep.Host.Configuration;

/// <summary>Checks merged settings and says, per problem, what is wrong and what would be right.</summary>
public static partial class HostOptionsValidator
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    private static partial Regex MemberName();

    [GeneratedRegex(@"^akka\.tcp://(?<system>[^@/]+)@(?<host>[^:/@\s]+):(?<port>\d{1,5})$")]
    private static partial Regex SeedAddress();

    public static IReadOnlyList<string> Validate(string role, HostOptionsLayer s)
    {
        var errors = new List<string>();

        if (s.Cluster != HostOptions.ActorSystemName)
            errors.Add($"cluster '{s.Cluster}' is not supported: the cluster (actor system) name is '{HostOptions.ActorSystemName}'");

        if (string.IsNullOrWhiteSpace(s.Name))
            errors.Add("name is empty: set it in the config file, LOCKSTEP_NAME or --name");
        else if (!MemberName().IsMatch(s.Name))
            errors.Add($"name '{s.Name}' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");

        if (string.IsNullOrWhiteSpace(s.Hostname) || Uri.CheckHostName(s.Hostname) == UriHostNameType.Unknown)
            errors.Add($"hostname '{s.Hostname}' is not a host name or IP address");

        CheckPort(errors, "port", s.Port, allowZero: false);
        CheckPort(errors, "clientPort", s.ClientPort, allowZero: true);
        CheckPort(errors, "commandPort", s.CommandPort, allowZero: true);
        CheckPort(errors, "pgPort", s.PgPort, allowZero: true);
        CheckPort(errors, "replicationPort", s.ReplicationPort, allowZero: true);
        if (role == HostOptions.WitnessRole && s.ReplicationPort is > 0)
            errors.Add($"replicationPort {s.ReplicationPort}: a witness holds no disks, leave it 0");
        if (role == HostOptions.WitnessRole && s.ClientPort is > 0)
            errors.Add($"clientPort {s.ClientPort}: a witness has no client endpoint, leave it 0");
        if (role == HostOptions.WitnessRole && s.PgPort is > 0)
            errors.Add($"pgPort {s.PgPort}: a witness has no PostgreSQL gateway, leave it 0");
        if (role == HostOptions.HostRole && s.PgPort is > 0)
            CheckGateway(errors, s);
        CheckDistinctPorts(errors, s);
        if (s.SnapshotEvery is < 1)
            errors.Add($"snapshotEvery {s.SnapshotEvery} must be at least 1 input");
        if (s.RetainInputs is < 0)
            errors.Add($"retainInputs {s.RetainInputs} must not be negative");
        if (s.SpareAfterSeconds is < 1)
            errors.Add($"spareAfterSeconds {s.SpareAfterSeconds} must be at least 1 second");

        if (s.Seeds is not { Count: > 0 })
            errors.Add("no seeds: give at least one seed node address, e.g. akka.tcp://lockstep@127.0.0.1:4053");
        else
            foreach (var seed in s.Seeds) CheckSeed(errors, seed);

        if (string.IsNullOrWhiteSpace(s.DataDir))
            errors.Add("dataDir is empty: set it in the config file, LOCKSTEP_DATA_DIR or --data");

        return errors;
    }

    private static void CheckPort(List<string> errors, string what, int? port, bool allowZero)
    {
        var min = allowZero ? 0 : 1;
        if (port is null || port < min || port > 65535)
            errors.Add($"{what} {port?.ToString() ?? "(unset)"} is out of range {min}-65535");
    }

    private static void CheckDistinctPorts(List<string> errors, HostOptionsLayer s)
    {
        var used = new[] { ("port", s.Port), ("clientPort", s.ClientPort), ("commandPort", s.CommandPort), ("pgPort", s.PgPort), ("replicationPort", s.ReplicationPort) }
            .Where(p => p.Item2 is > 0);
        foreach (var clash in used.GroupBy(p => p.Item2).Where(g => g.Count() > 1))
            errors.Add($"{string.Join(" and ", clash.Select(p => p.Item1))} are all {clash.Key}: each needs its own port");
    }

    private static void CheckGateway(List<string> errors, HostOptionsLayer s)
    {
        if (s.ClientPort is 0)
            errors.Add($"pgPort {s.PgPort} needs a client port: the gateway reaches the VMs through this host's client endpoint");
        if (s.PgUsers is not { Count: > 0 })
            errors.Add($"pgPort {s.PgPort} needs at least one user: set pgUsers in the config file, " +
                       $"{EnvironmentLayer.PgUsers} or --pg-user NAME:PASSWORD (or pgPort 0 for no gateway)");
        foreach (var (name, password) in s.PgUsers ?? new Dictionary<string, string>())
        {
            if (string.IsNullOrWhiteSpace(name)) errors.Add("pgUsers: a user name is empty");
            else if (string.IsNullOrEmpty(password)) errors.Add($"pgUsers: user '{name}' has an empty password");
        }
    }

    private static void CheckSeed(List<string> errors, string seed)
    {
        var m = SeedAddress().Match(seed);
        if (!m.Success)
        {
            errors.Add($"seed '{seed}' is not an address like akka.tcp://{HostOptions.ActorSystemName}@HOST:PORT");
            return;
        }
        if (m.Groups["system"].Value != HostOptions.ActorSystemName)
            errors.Add($"seed '{seed}' names system '{m.Groups["system"].Value}', expected '{HostOptions.ActorSystemName}'");
        if (int.Parse(m.Groups["port"].Value) is < 1 or > 65535)
            errors.Add($"seed '{seed}' has port {m.Groups["port"].Value}, out of range 1-65535");
    }
}
