using Akka.Configuration;

namespace AkkaLockstep.Host;

/// <summary>Akka settings every node shares; endpoints, roles and seeds come from <see cref="HostOptions"/>.</summary>
internal static class AkkaHocon
{
    public static readonly Config Base = ConfigurationFactory.ParseString("""
        # Replicas get their own threads: heartbeats and acknowledgements must not queue behind client-endpoint
        # work on the shared thread pool, or a busy host looks dead to its peer and fails over for nothing.
        lockstep.downing.stable-after = 3s
        # A primary sequences a verify input this often: both replicas digest their guest at that index and the
        # secondary's hash check compares them (a mismatch is repaired with a full copy).
        lockstep.verify-every = 10m
        lockstep-replica-dispatcher {
          type = ForkJoinDispatcher
          throughput = 100
          dedicated-thread-pool { thread-count = 2 }
        }
        # Disk mirrors write whole checkpoints: a thread each, away from the replicas and the shared pool.
        lockstep-disk-dispatcher { type = PinnedDispatcher }
        akka {
          loglevel = INFO
          stdout-loglevel = WARNING
          log-dead-letters = off
          log-dead-letters-during-shutdown = off
          actor {
            serializers.lockstep-protobuf = "AkkaLockstep.Host.Serialization.ProtobufSerializer, AkkaLockstep.Host"
            serialization-bindings { "Google.Protobuf.IMessage, Google.Protobuf" = lockstep-protobuf }
          }
          # Each node writes only over connections it opened itself. With reuse of inbound connections, a node
          # restarted at the same address and connecting while the other side also reconnects can leave that side
          # with a read-only endpoint and no writer: it hears the node but never answers it again.
          remote.use-passive-connections = off
          remote.dot-netty.tcp {
            # A batch of inputs travels as one message: allow large ones.
            maximum-frame-size = 16MiB
            send-buffer-size = 16MiB
            receive-buffer-size = 16MiB
            # The protocol already batches inputs per message; the transport's own batching waits on a
            # flush timer under light load, which would add tens of milliseconds to every commit.
            batching.enabled = false
          }
          cluster {
            # Downing follows the witness's arbitration (see DowningJudge); keep-majority would down both hosts
            # of a host-to-host cut.
            downing-provider-class = "AkkaLockstep.Host.Cluster.Downing.WitnessDowningProvider, AkkaLockstep.Host"
            # The data plane does its own fast failure detection; membership changes may be slower.
            failure-detector.acceptable-heartbeat-pause = 3s
            # A host that returns at the same address is refused while its old incarnation is still a member, and
            # asks again only after this (default 10 s): the host would wait that long after the old one's removal.
            retry-unsuccessful-join-after = 1s
            seed-node-timeout = 2s
            log-info = off
          }
        }
        """);

    /// <summary>A fresh member gives up joining after <paramref name="timeout"/>; a rejoining one (null) keeps trying.</summary>
    public static Config JoinTimeout(TimeSpan? timeout) => ConfigurationFactory.ParseString(
        $"akka.cluster.shutdown-after-unsuccessful-join-seed-nodes = {(timeout is { } t ? $"{(int)t.TotalSeconds}s" : "off")}");

    /// <summary>Cluster roles as quoted HOCON strings (ours carry '=' and ':', which Cluster.Hosting would not quote).</summary>
    public static Config Roles(IEnumerable<string> roles) =>
        ConfigurationFactory.ParseString($"akka.cluster.roles = [{string.Join(", ", roles.Select(r => System.Text.Json.JsonSerializer.Serialize(r)))}]");
}
