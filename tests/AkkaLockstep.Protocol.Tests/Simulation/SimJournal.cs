using AkkaLockstep.Protocol;

namespace AkkaLockstep.Protocol.Tests.Simulation;

/// <summary>
/// A simulated journal: writes become durable in order after a delay; a crash loses every write that has
/// not completed. What is durable is replayed into a fresh core on restart.
/// </summary>
public sealed class SimJournal
{
    private readonly List<Effect> _durable = [];

    public IReadOnlyList<Effect> Durable => _durable;

    public void MakeDurable(Effect op) => _durable.Add(op);

    public void ReplayInto(ReplicaCore core)
    {
        foreach (var op in _durable)
        {
            switch (op)
            {
                case PersistEpoch e: core.RecoverEpoch(e.Epoch); break;
                case PersistEntries e: core.RecoverEntries(e.Entries); break;
                case PersistTruncate t: core.RecoverTruncate(t.FromIndex); break;
            }
        }
    }

    /// <summary>The (session, request) pairs the durable journal holds after replaying truncations.</summary>
    public bool Holds(Guid session, long requestNo)
    {
        var log = new SortedDictionary<long, Input>();
        foreach (var op in _durable)
        {
            switch (op)
            {
                case PersistEntries e:
                    foreach (var input in e.Entries) log[input.Index] = input;
                    break;
                case PersistTruncate t:
                    foreach (var key in log.Keys.Where(k => k >= t.FromIndex).ToList()) log.Remove(key);
                    break;
            }
        }
        return log.Values.Any(i => i.SessionId == session && i.RequestNo == requestNo);
    }
}
