namespace AkkaLockstep.Host.Configuration;

/// <summary>What a loaded configuration came to, and which config file (if any) it started from.</summary>
public sealed record LoadedHostOptions(HostOptions Options, string? ConfigFile);

/// <summary>
/// Builds <see cref="HostOptions"/> from, in increasing precedence: built-in defaults, the role's config file,
/// LOCKSTEP_* environment variables and command-line flags; then validates the result.
/// </summary>
public static class HostOptionsLoader
{
    /// <summary>Replaced by the member name in dataDir, so one host.json serves h1 and h2.</summary>
    public const string NamePlaceholder = "{name}";

    private static readonly HostOptionsLayer Defaults = new()
    {
        Cluster = HostOptions.ActorSystemName,
        Hostname = "127.0.0.1",
        Port = 4053,
        Seeds = [],
        DataDir = Path.Combine(".lockstep", NamePlaceholder),
        ClientPort = 0,
        CommandPort = 9110,
        ReplicationPort = 0,
        PgPort = 0,
        PgUsers = new Dictionary<string, string>(),
        SnapshotEvery = 50_000,
        RetainInputs = 200_000,
        SpareAfterSeconds = 60,
    };

    /// <param name="role"><see cref="HostOptions.HostRole"/> or <see cref="HostOptions.WitnessRole"/>.</param>
    /// <param name="configFile">An explicit file (--config); otherwise config/ROLE.json is searched for.</param>
    /// <param name="flags">Command-line flags, the highest layer.</param>
    /// <param name="getEnvironmentVariable">Usually <see cref="Environment.GetEnvironmentVariable(string)"/>.</param>
    /// <param name="searchDirectories">Where config/ is looked for; by default the current directory, then the binary's.</param>
    public static LoadedHostOptions Load(string role, string? configFile, HostOptionsLayer flags,
        Func<string, string?> getEnvironmentVariable, IReadOnlyList<string>? searchDirectories = null)
    {
        var errors = new List<string>();
        if (role is not (HostOptions.HostRole or HostOptions.WitnessRole))
            throw new HostOptionsException([$"role '{role}' is neither '{HostOptions.HostRole}' nor '{HostOptions.WitnessRole}'"]);

        var file = configFile ?? ConfigFileLayer.Find(role,
            searchDirectories ?? [Directory.GetCurrentDirectory(), AppContext.BaseDirectory]);
        var fromFile = file is null ? HostOptionsLayer.Empty : ConfigFileLayer.Read(file, errors);
        var fromEnvironment = EnvironmentLayer.Read(getEnvironmentVariable, errors);
        var merged = flags.Over(fromEnvironment).Over(fromFile).Over(Defaults);

        errors.AddRange(HostOptionsValidator.Validate(role, merged));
        if (errors.Count > 0) throw new HostOptionsException(errors);

        var name = merged.Name!;
        var options = new HostOptions
        {
            Name = name,
            Role = role,
            Hostname = merged.Hostname!,
            Port = merged.Port!.Value,
            Seeds = merged.Seeds!,
            DataDir = Path.GetFullPath(merged.DataDir!.Replace(NamePlaceholder, name)),
            ClientPort = merged.ClientPort!.Value,
            CommandPort = merged.CommandPort!.Value,
            ReplicationPort = merged.ReplicationPort!.Value,
            PostgresConnectionString = string.IsNullOrWhiteSpace(merged.Postgres) ? null : merged.Postgres,
            PgPort = merged.PgPort!.Value,
            PgUsers = merged.PgUsers!,
            SnapshotEvery = merged.SnapshotEvery!.Value,
            RetainInputs = merged.RetainInputs!.Value,
            SpareAfterSeconds = merged.SpareAfterSeconds!.Value,
        };
        return new LoadedHostOptions(options, file is null ? null : Path.GetFullPath(file));
    }
}
