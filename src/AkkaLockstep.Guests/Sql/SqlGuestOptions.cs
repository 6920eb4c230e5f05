namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// Limits of one sql guest. Both replicas of a VM must run with the same options: they decide outputs.
/// </summary>
public sealed record SqlGuestOptions
{
    /// <summary>
    /// An open transaction whose session has sent nothing for this long, in input time, is rolled back by the next
    /// input from any session.
    /// </summary>
    public long TransactionTimeoutMs { get; init; } = 30_000;

    /// <summary>
    /// Largest encoded result. A statement whose rows would exceed it fails with 54000 and changes nothing. The
    /// default keeps a result inside one client frame (4 MiB, FrameLimits.MaxFrameBytes), so every result a client
    /// can receive is allowed and none that it cannot.
    /// </summary>
    public long MaxResultBytes { get; init; } = 4 * 1024 * 1024 - 4096;

    /// <summary>
    /// Most SQLite virtual-machine instructions one statement may run before it is cancelled (57014). Instruction
    /// counts are deterministic, so both replicas cancel at the same point; this bounds runaway queries such as an
    /// endless recursive CTE, which would otherwise stall the VM.
    /// </summary>
    public long MaxStatementInstructions { get; init; } = 2_000_000_000;

    /// <summary>
    /// Most command bytes an open transaction may accumulate (the guest keeps them to rebuild the transaction after a
    /// snapshot). A statement past it fails with 54000 and puts the transaction into the failed state.
    /// </summary>
    public long MaxTransactionBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How many sessions whose transaction was rolled back for idleness are remembered (to tell them once).</summary>
    public int MaxAbandonedSessions { get; init; } = 1024;

    public static SqlGuestOptions Default { get; } = new();
}
