namespace AkkaLockstep.Chaos;

/// <summary>Thread-safe recorder that many client tasks append to while a chaos run is going.</summary>
public sealed class History
{
    private readonly Lock _gate = new();
    private readonly List<HistoryOp> _ops = [];

    public int Count
    {
        get { lock (_gate) return _ops.Count; }
    }

    public void Add(HistoryOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        lock (_gate) _ops.Add(op);
    }

    /// <summary>A copy in the order ops were added; later adds do not show in it.</summary>
    public IReadOnlyList<HistoryOp> Snapshot()
    {
        lock (_gate) return _ops.ToArray();
    }
}
