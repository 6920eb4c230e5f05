using System.Globalization;

namespace AkkaLockstep.Host.Configuration;

/// <summary>Reads the LOCKSTEP_* environment variables into a settings layer (empty variables count as unset).</summary>
public static class EnvironmentLayer
{
    public const string Name = "LOCKSTEP_NAME";
    public const string Hostname = "LOCKSTEP_HOSTNAME";
    public const string Port = "LOCKSTEP_PORT";
    public const string Seeds = "LOCKSTEP_SEEDS";
    public const string DataDir = "LOCKSTEP_DATA_DIR";
    public const string ClientPort = "LOCKSTEP_CLIENT_PORT";
    public const string CommandPort = "LOCKSTEP_COMMAND_PORT";
    public const string ReplicationPort = "LOCKSTEP_REPLICATION_PORT";
    public const string Postgres = "LOCKSTEP_POSTGRES";
    public const string PgPort = "LOCKSTEP_PG_PORT";
    public const string SnapshotEvery = "LOCKSTEP_SNAPSHOT_EVERY";
    public const string RetainInputs = "LOCKSTEP_RETAIN_INPUTS";
    public const string SpareAfter = "LOCKSTEP_SPARE_AFTER";

    /// <summary>Comma-separated NAME:PASSWORD entries.</summary>
    public const string PgUsers = "LOCKSTEP_PG_USERS";

    public static HostOptionsLayer Read(Func<string, string?> getVariable, List<string> errors)
    {
        string? Get(string variable) => getVariable(variable) is { Length: > 0 } v ? v.Trim() : null;

        int? GetInt(string variable)
        {
            var raw = Get(variable);
            if (raw is null) return null;
            if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
            errors.Add($"{variable}='{raw}' is not a port number");
            return null;
        }

        long? GetCount(string variable)
        {
            var raw = Get(variable);
            if (raw is null) return null;
            if (long.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
            errors.Add($"{variable}='{raw}' is not a number of inputs");
            return null;
        }

        int? GetSeconds(string variable)
        {
            var raw = Get(variable);
            if (raw is null) return null;
            if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
            errors.Add($"{variable}='{raw}' is not a number of seconds");
            return null;
        }

        return new HostOptionsLayer
        {
            Name = Get(Name),
            Hostname = Get(Hostname),
            Port = GetInt(Port),
            Seeds = Get(Seeds) is { } seeds ? HostOptionsLayer.SplitSeeds(seeds) : null,
            DataDir = Get(DataDir),
            ClientPort = GetInt(ClientPort),
            CommandPort = GetInt(CommandPort),
            ReplicationPort = GetInt(ReplicationPort),
            Postgres = Get(Postgres),
            PgPort = GetInt(PgPort),
            SnapshotEvery = GetCount(SnapshotEvery),
            RetainInputs = GetCount(RetainInputs),
            SpareAfterSeconds = GetSeconds(SpareAfter),
            PgUsers = Get(PgUsers) is { } users
                ? PgUserEntries.Parse(users.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), PgUsers, errors)
                : null,
        };
    }
}
