using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>
/// A command API with one VM ("orders") and a three-member cluster, recording what it is asked to change. It answers
/// as host h1; h2's command endpoint is whatever a test sets.
/// </summary>
public sealed class FakeCommandApi : ICommandApi
{
    private static readonly ReplicaInfo Primary =
        new("orders", "h1", "primary", "duplex", 3, 42, 41, 41, "abcdef0123456789abcdef", "99887766554433221100");

    public static readonly VmInfo Orders = new("orders", "kv", ["h1", "h2"], "h1", 3, "duplex",
        [Primary, Primary with { Host = "h2", Role = "secondary", AppliedIndex = 40 }]);

    public List<ProtectRequest> Protected { get; } = [];
    public List<string> Unprotected { get; } = [];
    public List<string> Forced { get; } = [];

    /// <summary>When set, force-simplex is refused with this reason, as a replica that may not be forced answers.</summary>
    public string? ForceRefusal { get; set; }

    public string H2CommandEndpoint { get; set; } = "http://127.0.0.1:9112";

    public Task<ClusterView> GetClusterAsync(CancellationToken ct) => Task.FromResult(new ClusterView(
        "h1",
        [
            new MemberInfo("witness", "akka.tcp://lockstep@127.0.0.1:4053", ["witness"], "Up", true, null, "http://127.0.0.1:9110"),
            new MemberInfo("h1", "akka.tcp://lockstep@127.0.0.1:4054", ["host"], "Up", true, "127.0.0.1:9200", "http://127.0.0.1:9111"),
            new MemberInfo("h2", "akka.tcp://lockstep@127.0.0.1:4055", ["host"], "Up", false, "127.0.0.1:9201", H2CommandEndpoint),
        ],
        "akka.tcp://lockstep@127.0.0.1:4053"));

    public Task<IReadOnlyList<VmInfo>> ListVmsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<VmInfo>>([Orders]);

    public Task<VmInfo> GetVmAsync(string name, CancellationToken ct) =>
        name == Orders.Name ? Task.FromResult(Orders) : throw new CommandException(404, $"no VM named '{name}'");

    public Task<VmInfo> ProtectAsync(ProtectRequest request, CancellationToken ct)
    {
        Protected.Add(request);
        return Task.FromResult(new VmInfo(request.Name, request.Kind, request.Hosts ?? ["h1", "h2"], "h1", 1, "syncing", []));
    }

    public Task UnprotectAsync(string name, CancellationToken ct)
    {
        if (name != Orders.Name) throw new CommandException(404, $"no VM named '{name}'");
        Unprotected.Add(name);
        return Task.CompletedTask;
    }

    public Task<ReplicaInfo> GetLocalReplicaAsync(string name, CancellationToken ct) => Task.FromResult(Primary);

    public Task<ReplicaDump> DumpLocalReplicaAsync(string name, CancellationToken ct) =>
        Task.FromResult(new ReplicaDump(name, "h1", 41, "kv", ""));

    public Task<ForcedReplica> ForceSimplexAsync(string name, CancellationToken ct)
    {
        if (name != Orders.Name) throw new CommandException(404, $"no VM named '{name}'");
        if (ForceRefusal is not null) throw new CommandException(409, ForceRefusal);
        Forced.Add(name);
        return Task.FromResult(new ForcedReplica(name, "h1", 4, "forced-simplex"));
    }
}
