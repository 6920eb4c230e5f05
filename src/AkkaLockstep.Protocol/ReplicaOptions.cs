namespace AkkaLockstep.Protocol;

public sealed record ReplicaOptions
{
    /// <summary>Most inputs in one batch (one journal write, one peer message).</summary>
    public int MaxBatchInputs { get; init; } = 256;

    /// <summary>Most command bytes in one batch; keeps peer messages under the transport's frame size.</summary>
    public int MaxBatchBytes { get; init; } = 1 << 20;

    /// <summary>Most sequenced-but-uncommitted batches (pipelining depth).</summary>
    public int MaxInFlightBatches { get; init; } = 8;

    /// <summary>Most entries in one catch-up message to a lagging peer.</summary>
    public int MaxCatchUpEntries { get; init; } = 1024;

    /// <summary>Most entries sent to the peer but not yet acknowledged.</summary>
    public int MaxUnackedEntries { get; init; } = 16384;

    /// <summary>
    /// Most command bytes sent to the peer but not yet acknowledged (beyond one batch). A returning replica that missed
    /// large inputs would otherwise be sent gigabytes at once: the transport queues them ahead of every heartbeat, and
    /// each retransmission sends them all again.
    /// </summary>
    public long MaxUnackedBytes { get; init; } = 16 << 20;

    /// <summary>Size of the pieces a full copy of the machine state travels in.</summary>
    public int SnapshotChunkBytes { get; init; } = 1 << 20;

    /// <summary>How long a peer that holds a whole full copy is given to install it (plus its size at the assumed pace below).</summary>
    public long SnapshotResendMs { get; init; } = 5000;

    /// <summary>Most bytes of a full copy on the way unacknowledged: the copy must not crowd out heartbeats and clients.</summary>
    public long CopyWindowBytes { get; init; } = 8 << 20;

    /// <summary>
    /// A full copy sends the newest disk and then the entries after it, unless they pass this many bytes (and a
    /// thirty-second of the disk): then it sends the state frozen now, since the peer takes entries through its journal
    /// an order of magnitude slower than a copy.
    /// </summary>
    public long StaleDiskLagBytes { get; init; } = 16 << 20;

    /// <summary>A full copy the peer acknowledged no more of for this long goes on from what it acknowledged (lost pieces or acks).</summary>
    public long CopyStallMs { get; init; } = 1000;

    /// <summary>A slow pace for installing a full copy, so a peer that got every piece is given longer the bigger it is.</summary>
    public long FullCopyAssumedBytesPerMs { get; init; } = 10_000;

    public long HeartbeatIntervalMs { get; init; } = 100;

    /// <summary>Silence from the peer after which a replica in a pair claims the next epoch to go on alone.</summary>
    public long PeerTimeoutMs { get; init; } = 500;

    /// <summary>
    /// A gap this long between two commands means this replica itself was not running (a long handler, a GC pause, a
    /// starved process): the peer's messages of that time wait behind it, so silence is not judged until the replica has
    /// listened again for three heartbeats. Without it a replica that stalled takes over from a healthy primary.
    /// </summary>
    public long DeafGapMs { get; init; } = 250;

    /// <summary>
    /// A duplex primary whose peer still answers but makes nothing durable for this long while entries wait on it (its
    /// disk is full or failing) goes on alone, as if the peer were gone; SQL Server Always On's session timeout is
    /// 10 s too. Without it one sick disk would stall the VM for as long as it stays sick.
    /// </summary>
    public long PeerStallMs { get; init; } = 10_000;
    public long RetransmitAfterMs { get; init; } = 300;
    /// <summary>How long a simplex primary's witness lease lasts, and how often it is renewed.</summary>
    public long LeaseMs { get; init; } = 2000;
    public long LeaseRenewEveryMs { get; init; } = 400;

    /// <summary>Allowance for clock-rate differences: a simplex primary stops committing this long before its lease ends.</summary>
    public long LeaseMarginMs { get; init; } = 300;

    /// <summary>
    /// How long a restarted witness honours its registers' possible leases (the witness's longest lease). A forced
    /// simplex primary refused for longer than this because of another claimant's lease knows that lease is being
    /// renewed: the other replica runs alone too.
    /// </summary>
    public long WitnessRestartHoldMs { get; init; } = 5000;

    /// <summary>Longest a replica taking over holds a client request before answering it as it stands (see ReplicaCore.Held).</summary>
    public long ClientHoldMs { get; init; } = 2000;

    /// <summary>Most client requests held at once; beyond that they are answered at once.</summary>
    public int MaxHeldRequests { get; init; } = 10_000;

    public long ProbeIntervalMs { get; init; } = 200;
    public long ClaimRetryMs { get; init; } = 1000;

    public long SessionTtlMs { get; init; } = ReplicatedMachine.DefaultSessionTtlMs;
}
