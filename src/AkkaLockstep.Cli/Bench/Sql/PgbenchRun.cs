namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>Where pgbench and psql connect: 127.0.0.1:port as user, password in PGPASSWORD (null: none needed).</summary>
public sealed record PgTarget(int Port, string User, string? Password, string Database)
{
    public IReadOnlyList<string> Arguments => ["-h", "127.0.0.1", "-p", Port.ToString(), "-U", User];

    public IReadOnlyDictionary<string, string> Environment =>
        new Dictionary<string, string> { ["PGCONNECT_TIMEOUT"] = "20", ["PGPASSWORD"] = Password ?? "" };
}

/// <summary>Loads the schema with psql and runs the fixed pgbench script against one target.</summary>
public static class PgbenchRun
{
    public const string QueryMode = "simple";
    private static readonly TimeSpan SchemaTimeout = TimeSpan.FromMinutes(5);

    public static Task LoadSchemaAsync(PgTarget target, string schemaFile, CancellationToken ct) =>
        ToolProcess.CheckAsync(PostgresTools.Client("psql"),
            [.. target.Arguments, "-d", target.Database, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", schemaFile],
            SchemaTimeout, ct, target.Environment);

    /// <summary>
    /// `pgbench -n -f SCRIPT -c CLIENTS -T SECONDS`, logging every transaction (`-l`) under <paramref name="logDirectory"/>
    /// with prefix <paramref name="name"/>; without a name nothing is logged (the warm-up).
    /// </summary>
    public static async Task<(PgbenchSummary Summary, PgbenchLog? Log)> RunAsync(PgTarget target, string scriptFile, int clients, int seconds,
        string logDirectory, string? name, CancellationToken ct)
    {
        string[] log = name is null ? [] : ["-l", $"--log-prefix={Path.Combine(logDirectory, name)}"];
        var result = await ToolProcess.RunAsync(PostgresTools.Client("pgbench"),
            [.. target.Arguments, "-n", "-M", QueryMode, "-f", scriptFile, "-c", clients.ToString(), "-j", "1", "-T", seconds.ToString(), .. log, target.Database],
            TimeSpan.FromSeconds(seconds + 120), ct, target.Environment);
        if (result.ExitCode != 0)
            throw new CliException($"pgbench against {target.Database} on port {target.Port} failed (exit {result.ExitCode}):\n" +
                                   $"{string.Join("\n", (result.Stderr + result.Stdout).Trim().Split('\n').TakeLast(15))}");
        return (PgbenchSummary.Parse(result.Stdout), name is null ? null : PgbenchLog.Read(logDirectory, name));
    }
}
