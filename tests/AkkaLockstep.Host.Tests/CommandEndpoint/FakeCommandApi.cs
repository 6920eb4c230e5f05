using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Host.Tests.CommandEndpoint;

/// <summary>An in-memory <see cref="ICommandApi"/> with one VM, "orders"; "explode" throws a non-command exception.</summary>
public sealed class FakeCommandApi : ICommandApi
{
    public static readonly ReplicaInfo LocalReplica =
        new("orders", "h1", "primary", "duplex", 3, 42, 41, 41, "abcdef0123456789", "0011223344556677");

    public static readonly VmInfo Orders = new("orders", "kv", ["h1", "h2"], "h1", 3, "duplex",
        [LocalReplica, LocalReplica with { Host = "h2", Role = "secondary" }]);

    public static readonly ClusterView Cluster = new("akka.tcp://lockstep@127.0.0.1:4054",
        [
            new MemberInfo("h1", "akka.tcp://lockstep@127.0.0.1:4054", ["host"], "Up", true, "127.0.0.1:9200", "http://127.0.0.1:9111"),
            new MemberInfo("witness", "akka.tcp://lockstep@127.0.0.1:4053", ["witness"], "Up", true, null, "http://127.0.0.1:9110"),
        ],
        "akka.tcp://lockstep@127.0.0.1:4053");

    public List<ProtectRequest> Protected { get; } = [];
    public List<string> Unprotected { get; } = [];
    public List<string> Forced { get; } = [];

    /// <summary>When set, force-simplex is refused with this reason, as a replica that may not be forced answers.</summary>
    public string? ForceRefusal { get; set; }

    public Task<ClusterView> GetClusterAsync(CancellationToken ct) => Task.FromResult(Cluster);

    public Task<IReadOnlyList<VmInfo>> ListVmsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<VmInfo>>([Orders]);

    public Task<VmInfo> GetVmAsync(string name, CancellationToken ct) => Task.FromResult(Find(name));

    public Task<VmInfo> ProtectAsync(ProtectRequest request, CancellationToken ct)
    {
        if (request.Name == Orders.Name) throw new CommandException(409, $"VM '{request.Name}' already exists");
        Protected.Add(request);
        return Task.FromResult(new VmInfo(request.Name, request.Kind, request.Hosts ?? ["h1", "h2"], "h1", 1, "syncing", []));
    }

    public Task UnprotectAsync(string name, CancellationToken ct)
    {
        Find(name);
        Unprotected.Add(name);
        return Task.CompletedTask;
    }

    public Task<ReplicaInfo> GetLocalReplicaAsync(string name, CancellationToken ct)
    {
        Find(name);
        return Task.FromResult(LocalReplica);
    }

    public Task<ReplicaDump> DumpLocalReplicaAsync(string name, CancellationToken ct)
    {
        Find(name);
        return Task.FromResult(new ReplicaDump(name, "h1", 41, "kv", Convert.ToBase64String([1, 2, 3])));
    }

    public Task<ForcedReplica> ForceSimplexAsync(string name, CancellationToken ct)
    {
        Find(name);
        if (ForceRefusal is not null) throw new CommandException(409, ForceRefusal);
        Forced.Add(name);
        return Task.FromResult(new ForcedReplica(name, "h1", 4, "forced-simplex"));
    }

    private static VmInfo Find(string name) => name switch
    {
        "orders" => Orders,
        "explode" => throw new InvalidOperationException("the fake exploded"),
        _ => throw new CommandException(404, $"no VM named '{name}'"),
    };
}
