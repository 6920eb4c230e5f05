using Akka.Actor;
using Akka.Cluster;

namespace AkkaLockstep.Host.Cluster.Downing;

/// <summary>
/// Replaces Akka's split brain resolver: downing follows the witness (see <see cref="DowningJudge"/>). Every node
/// runs a <see cref="DowningActor"/>; only the witness's decides, hosts send it heartbeats.
/// </summary>
public sealed class WitnessDowningProvider(ActorSystem system, Akka.Cluster.Cluster cluster) : IDowningProvider
{
    public static readonly string ConfigClass = $"{typeof(WitnessDowningProvider).FullName}, {typeof(WitnessDowningProvider).Assembly.GetName().Name}";

    private TimeSpan StableAfter => system.Settings.Config.GetTimeSpan("lockstep.downing.stable-after", TimeSpan.FromSeconds(3));

    // How long a downed member's singleton is given to stop before another node starts its own.
    public TimeSpan DownRemovalMargin => StableAfter;

    public Props DowningActorProps => DowningActor.Props(cluster, StableAfter);
}
