using Akka.Cluster;

namespace AkkaLockstep.Host.Cluster.Downing;

/// <summary>The witness granted a failover epoch against this host incarnation (sent by the witness to its downing actor).</summary>
public sealed record HostLostArbitration(string MemberId, string Vm);

/// <summary>How many VM epochs each host holds at the witness; breaks ties when hosts are cut from each other.</summary>
public sealed record EpochHolders(IReadOnlyDictionary<string, int> ByHost);

public static class DowningPaths
{
    /// <summary>Where Akka's cluster daemon puts the downing provider's actor.</summary>
    public const string DowningActor = "/system/cluster/core/daemon/downingProvider";

    public static string MemberId(UniqueAddress member) => $"{member.Address}#{member.Uid}";
}
