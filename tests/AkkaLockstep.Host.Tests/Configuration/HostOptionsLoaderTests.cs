using AkkaLockstep.Host.Configuration;

namespace AkkaLockstep.Host.Tests.Configuration;

public sealed class HostOptionsLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lockstep-config-").FullName;
    private readonly Dictionary<string, string> _env = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteConfig(string role, string json)
    {
        Directory.CreateDirectory(Path.Combine(_dir, "config"));
        var path = Path.Combine(_dir, "config", role + ".json");
        File.WriteAllText(path, json);
        return path;
    }

    private LoadedHostOptions Load(string role = HostOptions.HostRole, HostOptionsLayer? flags = null, string? configFile = null) =>
        HostOptionsLoader.Load(role, configFile, flags ?? HostOptionsLayer.Empty, v => _env.GetValueOrDefault(v), [_dir]);

    private static string Errors(Action load) => string.Join("\n", Assert.Throws<HostOptionsException>(load).Errors);

    private const string HostFile = """
        {
          // comments are allowed
          "cluster": "lockstep",
          "name": "from-file",
          "hostname": "127.0.0.1",
          "port": 4054,
          "seeds": ["akka.tcp://lockstep@127.0.0.1:4053"],
          "dataDir": "data/{name}",
          "clientPort": 9200,
          "commandPort": 9111,
        }
        """;

    [Fact]
    public void File_values_are_used_and_the_file_is_reported()
    {
        var path = WriteConfig("host", HostFile);
        var (o, file) = Load();
        Assert.Equal(path, file);
        Assert.Equal(("from-file", HostOptions.HostRole, 4054, 9200, 9111), (o.Name, o.Role, o.Port, o.ClientPort, o.CommandPort));
        Assert.Equal(["akka.tcp://lockstep@127.0.0.1:4053"], o.Seeds);
        Assert.Null(o.PostgresConnectionString);
    }

    [Fact]
    public void Environment_overrides_file_and_flags_override_environment()
    {
        WriteConfig("host", HostFile);
        _env["LOCKSTEP_NAME"] = "from-env";
        _env["LOCKSTEP_PORT"] = "5000";
        _env["LOCKSTEP_CLIENT_PORT"] = "5001";
        _env["LOCKSTEP_SEEDS"] = "akka.tcp://lockstep@10.0.0.1:4053, akka.tcp://lockstep@10.0.0.2:4053";
        _env["LOCKSTEP_POSTGRES"] = "Host=db";
        _env["LOCKSTEP_HOSTNAME"] = "node-a";

        var o = Load(flags: new HostOptionsLayer { Name = "from-flag", ClientPort = 6001 }).Options;

        Assert.Equal("from-flag", o.Name);          // flag beats env and file
        Assert.Equal(6001, o.ClientPort);           // flag beats env and file
        Assert.Equal(5000, o.Port);                 // env beats file
        Assert.Equal("node-a", o.Hostname);         // env beats file
        Assert.Equal(9111, o.CommandPort);          // file, nothing above it
        Assert.Equal(["akka.tcp://lockstep@10.0.0.1:4053", "akka.tcp://lockstep@10.0.0.2:4053"], o.Seeds);
        Assert.Equal("Host=db", o.PostgresConnectionString);
    }

    [Fact]
    public void Snapshot_and_retention_settings_default_and_layer_like_the_others()
    {
        WriteConfig("host", HostFile);
        Assert.Equal((50_000L, 200_000L), (Load().Options.SnapshotEvery, Load().Options.RetainInputs));
        _env["LOCKSTEP_SNAPSHOT_EVERY"] = "1000";
        _env["LOCKSTEP_RETAIN_INPUTS"] = "5000";
        var o = Load(flags: new HostOptionsLayer { RetainInputs = 0 }).Options;
        Assert.Equal((1000L, 0L), (o.SnapshotEvery, o.RetainInputs));
    }

    [Fact]
    public void A_snapshot_interval_below_one_or_a_count_that_is_not_a_number_is_refused()
    {
        WriteConfig("host", HostFile);
        _env["LOCKSTEP_RETAIN_INPUTS"] = "lots";
        var errors = Assert.Throws<HostOptionsException>(() => Load(flags: new HostOptionsLayer { SnapshotEvery = 0 })).Errors;
        Assert.Contains("snapshotEvery 0 must be at least 1 input", errors);
        Assert.Contains("LOCKSTEP_RETAIN_INPUTS='lots' is not a number of inputs", errors);
    }

    [Fact]
    public void Data_dir_gets_the_member_name_and_becomes_absolute()
    {
        WriteConfig("host", HostFile);
        var o = Load(flags: new HostOptionsLayer { Name = "h2" }).Options;
        Assert.Equal(Path.GetFullPath(Path.Combine("data", "h2")), o.DataDir);

        _env["LOCKSTEP_DATA_DIR"] = Path.Combine(_dir, "elsewhere");
        Assert.Equal(Path.Combine(_dir, "elsewhere"), Load().Options.DataDir);
    }

    [Fact]
    public void Empty_environment_variables_count_as_unset()
    {
        WriteConfig("host", HostFile);
        _env["LOCKSTEP_NAME"] = "";
        _env["LOCKSTEP_PORT"] = "";
        var o = Load().Options;
        Assert.Equal(("from-file", 4054), (o.Name, o.Port));
    }

    [Fact]
    public void Explicit_config_file_wins_over_the_searched_one()
    {
        WriteConfig("host", HostFile);
        var other = Path.Combine(_dir, "other.json");
        File.WriteAllText(other, HostFile.Replace("from-file", "from-other"));
        var (o, file) = Load(configFile: other);
        Assert.Equal("from-other", o.Name);
        Assert.Equal(other, file);
    }

    [Fact]
    public void Missing_explicit_config_file_is_an_error()
    {
        Assert.Contains("does not exist", Errors(() => Load(configFile: Path.Combine(_dir, "missing.json"))));
    }

    [Fact]
    public void Without_a_config_file_the_built_in_defaults_need_only_name_and_seeds()
    {
        var flags = new HostOptionsLayer { Name = "w", Seeds = ["akka.tcp://lockstep@127.0.0.1:4053"] };
        var (o, file) = Load(HostOptions.WitnessRole, flags);
        Assert.Null(file);
        Assert.Equal(("127.0.0.1", 4053, 9110, 0), (o.Hostname, o.Port, o.CommandPort, o.ClientPort));
        Assert.EndsWith(Path.Combine(".lockstep", "w"), o.DataDir);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        WriteConfig("host", HostFile);
        _env["LOCKSTEP_PORT"] = "abc";
        _env["LOCKSTEP_COMMAND_PORT"] = "70000";
        var errors = Errors(() => Load(flags: new HostOptionsLayer { Name = "", Seeds = ["akka.tcp://lockstep@127.0.0.1:4053", "127.0.0.1:4053"] }));
        Assert.Contains("LOCKSTEP_PORT='abc' is not a port number", errors);
        Assert.Contains("commandPort 70000 is out of range 0-65535", errors);
        Assert.Contains("name is empty", errors);
        Assert.Contains("seed '127.0.0.1:4053' is not an address like akka.tcp://lockstep@HOST:PORT", errors);
    }

    [Theory]
    [InlineData("akka.tcp://other@127.0.0.1:4053", "names system 'other'")]
    [InlineData("akka.tcp://lockstep@127.0.0.1:99999", "out of range")]
    [InlineData("akka://lockstep@127.0.0.1:4053", "is not an address")]
    [InlineData("akka.tcp://lockstep@127.0.0.1", "is not an address")]
    public void Bad_seeds_are_rejected(string seed, string expected)
    {
        WriteConfig("host", HostFile);
        Assert.Contains(expected, Errors(() => Load(flags: new HostOptionsLayer { Seeds = [seed] })));
    }

    [Theory]
    [InlineData(0, "port 0 is out of range 1-65535")]
    [InlineData(65536, "port 65536 is out of range 1-65535")]
    [InlineData(9111, "port and commandPort are all 9111")]
    public void Bad_ports_are_rejected(int port, string expected)
    {
        WriteConfig("host", HostFile);
        Assert.Contains(expected, Errors(() => Load(flags: new HostOptionsLayer { Port = port })));
    }

    [Theory]
    [InlineData("h 1")]
    [InlineData("-h1")]
    [InlineData("h1/../x")]
    public void Bad_names_are_rejected(string name)
    {
        WriteConfig("host", HostFile);
        Assert.Contains($"name '{name}' must be", Errors(() => Load(flags: new HostOptionsLayer { Name = name })));
    }

    [Fact]
    public void Witness_must_not_have_a_client_port()
    {
        var flags = new HostOptionsLayer { Name = "w", Seeds = ["akka.tcp://lockstep@127.0.0.1:4053"], ClientPort = 9200 };
        Assert.Contains("a witness has no client endpoint", Errors(() => Load(HostOptions.WitnessRole, flags)));
    }

    [Fact]
    public void Unknown_keys_and_bad_json_in_the_file_are_errors()
    {
        WriteConfig("host", HostFile.Replace("\"clientPort\"", "\"clientPrt\""));
        Assert.Contains("clientPrt", Errors(() => Load()));

        WriteConfig("host", "{ \"port\": \"not a number\" }");
        Assert.Contains("config file", Errors(() => Load()));
    }

    [Fact]
    public void Cluster_name_other_than_lockstep_is_rejected()
    {
        WriteConfig("host", HostFile.Replace("\"cluster\": \"lockstep\"", "\"cluster\": \"prod\""));
        Assert.Contains("cluster 'prod' is not supported", Errors(() => Load()));
    }

    [Fact]
    public void The_postgresql_gateway_takes_its_port_and_users_from_every_layer()
    {
        WriteConfig("host", HostFile.Replace("\"commandPort\": 9111,", "\"commandPort\": 9111, \"pgPort\": 5433, \"pgUsers\": { \"app\": \"from-file\" },"));
        var fromFile = Load().Options;
        Assert.Equal(5433, fromFile.PgPort);
        Assert.Equal(new Dictionary<string, string> { ["app"] = "from-file" }, fromFile.PgUsers);

        _env["LOCKSTEP_PG_PORT"] = "6543";
        _env["LOCKSTEP_PG_USERS"] = "a:pw:with:colons, b:x";
        var fromEnvironment = Load().Options;
        Assert.Equal(6543, fromEnvironment.PgPort);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "pw:with:colons", ["b"] = "x" }, fromEnvironment.PgUsers);

        // A higher layer's users replace the lower one's list; port 0 turns the gateway off (and then needs no users).
        var fromFlags = Load(flags: new HostOptionsLayer { PgPort = 0, PgUsers = new Dictionary<string, string> { ["c"] = "y" } }).Options;
        Assert.Equal(0, fromFlags.PgPort);
        Assert.Equal(["c"], fromFlags.PgUsers.Keys);
    }

    [Fact]
    public void A_gateway_needs_users_and_a_client_port_and_a_witness_has_none()
    {
        WriteConfig("host", HostFile);
        var noUsers = Errors(() => Load(flags: new HostOptionsLayer { PgPort = 5433 }));
        Assert.Contains("pgPort 5433 needs at least one user", noUsers);
        var noClient = Errors(() => Load(flags: new HostOptionsLayer { PgPort = 5433, ClientPort = 0, PgUsers = new Dictionary<string, string> { ["a"] = "b" } }));
        Assert.Contains("pgPort 5433 needs a client port", noClient);
        Assert.Contains("clientPort and pgPort are all 9200",
            Errors(() => Load(flags: new HostOptionsLayer { PgPort = 9200, PgUsers = new Dictionary<string, string> { ["a"] = "b" } })));
        Assert.Contains("pgPort 70000 is out of range 0-65535", Errors(() => Load(flags: new HostOptionsLayer { PgPort = 70000 })));

        var witness = new HostOptionsLayer { Name = "w", Seeds = ["akka.tcp://lockstep@127.0.0.1:4053"], PgPort = 5433 };
        Assert.Contains("a witness has no PostgreSQL gateway", Errors(() => Load(HostOptions.WitnessRole, witness)));
    }

    [Fact]
    public void The_copy_port_comes_from_file_environment_or_flag_and_a_witness_has_none()
    {
        WriteConfig("host", HostFile);
        Assert.Equal(0, Load().Options.ReplicationPort);
        _env["LOCKSTEP_REPLICATION_PORT"] = "9300";
        Assert.Equal(9300, Load().Options.ReplicationPort);
        Assert.Equal(9301, Load(flags: new HostOptionsLayer { ReplicationPort = 9301 }).Options.ReplicationPort);
        Assert.Contains("clientPort and replicationPort are all 9200", Errors(() => Load(flags: new HostOptionsLayer { ReplicationPort = 9200 })));
        _env["LOCKSTEP_REPLICATION_PORT"] = "x";
        Assert.Contains("LOCKSTEP_REPLICATION_PORT='x' is not a port number", Errors(() => Load()));
        _env.Remove("LOCKSTEP_REPLICATION_PORT");
        var witness = new HostOptionsLayer { Name = "w", Seeds = ["akka.tcp://lockstep@127.0.0.1:4053"], ReplicationPort = 9300 };
        Assert.Contains("a witness holds no disks", Errors(() => Load(HostOptions.WitnessRole, witness)));
    }

    [Fact]
    public void Malformed_user_entries_are_reported_without_their_passwords()
    {
        WriteConfig("host", HostFile);
        _env["LOCKSTEP_PG_USERS"] = "nocolon-secret1,:secret2,empty:,dup:secret3,dup:secret4";
        var errors = Errors(() => Load());
        Assert.Contains("LOCKSTEP_PG_USERS: an entry has no colon", errors);
        Assert.Contains("LOCKSTEP_PG_USERS: an entry has an empty user name", errors);
        Assert.Contains("LOCKSTEP_PG_USERS: user 'empty' has an empty password", errors);
        Assert.Contains("LOCKSTEP_PG_USERS: user 'dup' is given twice", errors);
        Assert.DoesNotContain("secret", errors);
    }

    [Theory]
    [InlineData("host", "h1", 4054, 9200, 9111)]
    [InlineData("witness", "witness", 4053, 0, 9110)]
    public void Shipped_config_files_are_valid(string role, string name, int port, int clientPort, int commandPort)
    {
        var repository = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repository, "AkkaLockstep.sln"))) repository = Path.GetDirectoryName(repository)!;

        var (o, file) = HostOptionsLoader.Load(role, null, HostOptionsLayer.Empty, _ => null, [repository]);

        Assert.Equal(Path.Combine(repository, "config", role + ".json"), file);
        Assert.Equal((name, port, clientPort, commandPort), (o.Name, o.Port, o.ClientPort, o.CommandPort));
        // h1's gateway with the documented demo user; the witness has none.
        Assert.Equal(role == "host" ? (5433, "lockstep") : (0, null), (o.PgPort, o.PgUsers.GetValueOrDefault("lockstep")));
        // Every member is a seed, the witness first: a restarted witness rejoins the hosts.
        Assert.Equal(["akka.tcp://lockstep@127.0.0.1:4053", "akka.tcp://lockstep@127.0.0.1:4054", "akka.tcp://lockstep@127.0.0.1:4055"], o.Seeds);
    }
}
