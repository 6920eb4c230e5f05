using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Integration.Tests.Cli;

/// <summary>A command API with one VM ("orders") and a three-member cluster, recording what it is asked to change.</summary>
public sealed class FakeCommandApi : ICommandApi
{
    private static readonly ReplicaInfo Primary =
        new("orders", "h1", "primary", "duplex", 3, 42, 41, 41, "abcdef0123456789abcdef", "99887766554433221100");

    public static readonly VmInfo Orders = new("orders", "kv", ["h1", "h2"], "h1", 3, "duplex",
        [Primary, Primary with { Host = "h2", Role = "secondary", AppliedIndex = 40 }]);

    public List<ProtectRequest> Protected { get; } = [];
    public List<string> Unprotected { get; } = [];

    public Task<ClusterView> GetClusterAsync(CancellationToken ct) => Task.FromResult(new ClusterView(
        "akka.tcp://lockstep@127.0.0.1:4054",
        [
            new MemberInfo("witness", "akka.tcp://lockstep@127.0.0.1:4053", ["witness"], "Up", true, null, "http://127.0.0.1:9110"),
            new MemberInfo("h1", "akka.tcp://lockstep@127.0.0.1:4054", ["host"], "Up", true, "127.0.0.1:9200", "http://127.0.0.1:9111"),
            new MemberInfo("h2", "akka.tcp://lockstep@127.0.0.1:4055", ["host"], "Up", false, "127.0.0.1:9201", "http://127.0.0.1:9112"),
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
}
