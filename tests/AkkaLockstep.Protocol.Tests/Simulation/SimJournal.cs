using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Simulation;

/// <summary>
/// A simulated journal: writes become durable in order after a delay; a crash loses every write that has
/// not completed. What is durable is replayed into a fresh core on restart, from the newest snapshot on
/// (a snapshot the replica took itself, or a full copy it installed from its peer).
/// </summary>
public sealed class SimJournal
{
    private readonly List<Effect> _durable = [];

    public IReadOnlyList<Effect> Durable => _durable;

    public void MakeDurable(Effect op) => _durable.Add(op);

    /// <summary>A snapshot the replica took of itself; like the shell's, it is durable before the log is compacted.</summary>
    public void SaveSnapshot(ReplicaSnapshot snapshot) => _durable.Add(new PersistSnapshot(0, snapshot));

    public void ReplayInto(ReplicaCore core)
    {
        var from = _durable.FindLastIndex(op => op is PersistSnapshot);
        if (from >= 0) core.RecoverSnapshot(((PersistSnapshot)_durable[from]).Snapshot);
        foreach (var op in _durable.Skip(from + 1))
        {
            switch (op)
            {
                case PersistEpoch e: core.RecoverEpoch(e.Epoch); break;
                case PersistEntries e: core.RecoverEntries(e.Entries); break;
                case PersistTruncate t: core.RecoverTruncate(t.FromIndex); break;
            }
        }
    }

    /// <summary>Whether the durable journal holds the (session, request): in the newest snapshot's sessions or in the log after it.</summary>
    public bool Holds(Guid session, long requestNo)
    {
        var log = new SortedDictionary<long, Input>();
        ReplicatedMachine? snapshotState = null;
        foreach (var op in _durable)
        {
            switch (op)
            {
                case PersistSnapshot s:
                    log.Clear();
                    foreach (var input in s.Snapshot.Tail) log[input.Index] = input;
                    snapshotState = new ReplicatedMachine(new RecordingGuest());
                    snapshotState.Restore(s.Snapshot.Machine);
                    break;
                case PersistEntries e:
                    foreach (var input in e.Entries) log[input.Index] = input;
                    break;
                case PersistTruncate t:
                    foreach (var key in log.Keys.Where(k => k >= t.FromIndex).ToList()) log.Remove(key);
                    break;
            }
        }
        if (snapshotState is not null && snapshotState.Sessions.TryGet(session, out var entry) && entry.RequestNo >= requestNo) return true;
        return log.Values.Any(i => i.SessionId == session && i.RequestNo == requestNo);
    }
}
