using Akka.Actor;

namespace AkkaLockstep.Host.Tests.Persistence;

/// <summary>
/// What a restart must give back, on each backend: the events in the order they were persisted,
/// and the latest snapshot followed by only the events after it.
/// </summary>
public abstract class JournalRoundtripTests : IDisposable
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    protected JournalRoundtripTests()
    {
        DataDir = Path.Combine(Path.GetTempPath(), "lockstep-journal-" + Guid.NewGuid().ToString("N"));
    }

    protected string DataDir { get; }

    protected abstract string? PostgresConnectionString { get; }

    [Fact]
    public async Task Restart_recovers_exactly_the_persisted_events_in_order()
    {
        var persistenceId = "recording-" + Guid.NewGuid().ToString("N");
        var oneByOne = Enumerable.Range(0, 50).Select(i => Payload(i, 100 + i * 37)).ToArray();
        var pipelined = Enumerable.Range(50, 300).Select(i => Payload(i, 4096)).ToArray();

        await using (var host = await StartAsync())
        {
            var actor = host.System.ActorOf(RecordingActor.Props(persistenceId));
            for (var i = 0; i < oneByOne.Length; i++)
            {
                var appended = await actor.Ask<RecordingActor.Appended>(new RecordingActor.Append(oneByOne[i]), AskTimeout);
                Assert.Equal(i + 1, appended.SequenceNr);
            }
            var done = await actor.Ask<RecordingActor.FloodDone>(new RecordingActor.Flood(pipelined, Window: 8), AskTimeout);
            Assert.Equal(pipelined.Length, done.Count);
        }

        await using (var host = await StartAsync())
        {
            var actor = host.System.ActorOf(RecordingActor.Props(persistenceId));
            var recovered = await actor.Ask<RecordingActor.Recovered>(new RecordingActor.GetRecovered(), AskTimeout);
            Assert.Null(recovered.Snapshot);
            Assert.Equal(Hex(oneByOne.Concat(pipelined)), Hex(recovered.Events));
        }
    }

    [Fact]
    public async Task Restart_recovers_the_snapshot_then_only_later_events()
    {
        var persistenceId = "snapshotting-" + Guid.NewGuid().ToString("N");
        var before = Enumerable.Range(0, 3).Select(i => Payload(i, 64)).ToArray();
        var snapshot = Payload(1000, 256 * 1024);
        var after = Enumerable.Range(3, 2).Select(i => Payload(i, 64)).ToArray();

        await using (var host = await StartAsync())
        {
            var actor = host.System.ActorOf(RecordingActor.Props(persistenceId));
            foreach (var payload in before)
                await actor.Ask<RecordingActor.Appended>(new RecordingActor.Append(payload), AskTimeout);
            var saved = await actor.Ask<RecordingActor.SnapshotSaved>(new RecordingActor.SaveSnapshotOf(snapshot), AskTimeout);
            Assert.Equal(before.Length, saved.SequenceNr);
            foreach (var payload in after)
                await actor.Ask<RecordingActor.Appended>(new RecordingActor.Append(payload), AskTimeout);
        }

        await using (var host = await StartAsync())
        {
            var actor = host.System.ActorOf(RecordingActor.Props(persistenceId));
            var recovered = await actor.Ask<RecordingActor.Recovered>(new RecordingActor.GetRecovered(), AskTimeout);
            Assert.NotNull(recovered.Snapshot);
            Assert.Equal(Convert.ToHexString(snapshot), Convert.ToHexString(recovered.Snapshot));
            Assert.Equal(before.Length, recovered.SnapshotSequenceNr);
            Assert.Equal(Hex(after), Hex(recovered.Events));
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(DataDir))
            Directory.Delete(DataDir, recursive: true);
    }

    private Task<PersistenceHost> StartAsync() => PersistenceHost.StartAsync(DataDir, PostgresConnectionString);

    /// <summary>Distinct, reproducible content, so a reordered or swapped event cannot go unnoticed.</summary>
    private static byte[] Payload(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static IEnumerable<string> Hex(IEnumerable<byte[]> payloads) => payloads.Select(Convert.ToHexString);
}
