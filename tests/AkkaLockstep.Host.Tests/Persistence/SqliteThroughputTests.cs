using System.Diagnostics;
using Akka.Actor;
using AkkaLockstep.Host.Persistence;
using Xunit.Abstractions;

namespace AkkaLockstep.Host.Tests.Persistence;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThroughputCollection
{
    public const string Name = "throughput";
}

/// <summary>
/// Measures, and reports in the test output without asserting on timing, how many ~4 KB events
/// (a batch of inputs each) one actor persists per second into the SQLite journal with PersistAsync
/// and a bounded number of writes in flight. Runs alone so other tests do not skew the numbers.
/// </summary>
[Collection(ThroughputCollection.Name)]
public sealed class SqliteThroughputTests(ITestOutputHelper output) : IDisposable
{
    private const int EventSize = 4096;
    private const int Events = 5000;
    private static readonly TimeSpan AskTimeout = TimeSpan.FromMinutes(2);

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "lockstep-throughput-" + Guid.NewGuid().ToString("N"));

    [Theory]
    [InlineData(SqliteSynchronous.Normal, 1)]
    [InlineData(SqliteSynchronous.Normal, 8)]
    [InlineData(SqliteSynchronous.Normal, 64)]
    [InlineData(SqliteSynchronous.Full, 8)]
    public async Task PersistAsync_rate_of_one_actor(SqliteSynchronous synchronous, int window)
    {
        var payload = new byte[EventSize];
        new Random(42).NextBytes(payload);

        await using var host = await PersistenceHost.StartAsync(_dataDir, postgresConnectionString: null, synchronous);
        var actor = host.System.ActorOf(RecordingActor.Props("throughput-" + Guid.NewGuid().ToString("N")));

        // Warm up: table creation, JIT, connection pool.
        await actor.Ask<RecordingActor.FloodDone>(new RecordingActor.Flood(Enumerable.Repeat(payload, 500).ToArray(), window), AskTimeout);

        var stopwatch = Stopwatch.StartNew();
        var done = await actor.Ask<RecordingActor.FloodDone>(
            new RecordingActor.Flood(Enumerable.Repeat(payload, Events).ToArray(), window), AskTimeout);
        stopwatch.Stop();

        Assert.Equal(Events, done.Count);
        var perSecond = Events / stopwatch.Elapsed.TotalSeconds;
        output.WriteLine(
            $"SQLite synchronous={synchronous}, {window} in flight, {EventSize} B events: " +
            $"{perSecond:F0} events/s, {perSecond * EventSize / (1024 * 1024):F1} MiB/s ({Events} events in {stopwatch.ElapsedMilliseconds} ms)");
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
            Directory.Delete(_dataDir, recursive: true);
    }
}
