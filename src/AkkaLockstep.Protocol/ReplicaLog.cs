namespace AkkaLockstep.Protocol;

/// <summary>
/// The in-memory view of a replica's ordered input log: entries BaseIndex+1..LastIndex. Entries up to
/// BaseIndex were compacted into a snapshot; BaseEpoch is the epoch of entry BaseIndex.
/// </summary>
public sealed class ReplicaLog
{
    private readonly List<Input> _entries = [];

    // Command bytes of every entry up to and including each one, counted from an arbitrary origin, and up to BaseIndex:
    // the bytes of any range are one subtraction (a lagging peer's window and lag are asked for on every reply).
    private readonly List<long> _bytesThrough = [];
    private long _bytesThroughBase;

    public long BaseIndex { get; private set; }
    public long BaseEpoch { get; private set; }
    public long LastIndex => BaseIndex + _entries.Count;
    public long LastEpoch => _entries.Count == 0 ? BaseEpoch : _entries[^1].Epoch;

    public bool Contains(long index) => index > BaseIndex && index <= LastIndex;

    public Input Get(long index) =>
        Contains(index) ? _entries[(int)(index - BaseIndex - 1)]
            : throw new ArgumentOutOfRangeException(nameof(index), $"index {index} not in log ({BaseIndex}, {LastIndex}]");

    /// <summary>Epoch of the entry at <paramref name="index"/>; 0 for index 0; -1 if compacted away or absent.</summary>
    public long EpochAt(long index)
    {
        if (index == 0) return 0;
        if (index == BaseIndex) return BaseEpoch;
        return Contains(index) ? Get(index).Epoch : -1;
    }

    public void Append(Input input)
    {
        if (input.Index != LastIndex + 1)
            throw new InvalidOperationException($"log append out of order: {input.Index} after {LastIndex}");
        _entries.Add(input);
        _bytesThrough.Add(BytesThrough(LastIndex - 1) + input.Command.Length);
    }

    /// <summary>Command bytes of the entries after <paramref name="afterIndex"/> up to <paramref name="throughIndex"/> (both clamped to the log).</summary>
    public long BytesBetween(long afterIndex, long throughIndex)
    {
        var from = Math.Clamp(afterIndex, BaseIndex, LastIndex);
        var to = Math.Clamp(throughIndex, BaseIndex, LastIndex);
        return to > from ? BytesThrough(to) - BytesThrough(from) : 0;
    }

    private long BytesThrough(long index) => index == BaseIndex ? _bytesThroughBase : _bytesThrough[(int)(index - BaseIndex - 1)];

    /// <summary>Removes every entry at or after <paramref name="fromIndex"/>.</summary>
    public void TruncateFrom(long fromIndex)
    {
        if (fromIndex <= BaseIndex) throw new InvalidOperationException($"cannot truncate compacted entry {fromIndex}");
        if (fromIndex > LastIndex) return;
        var keep = (int)(fromIndex - BaseIndex - 1);
        _entries.RemoveRange(keep, _entries.Count - keep);
        _bytesThrough.RemoveRange(keep, _bytesThrough.Count - keep);
    }

    /// <param name="maxBytes">Most command bytes in the range; the first entry is always included.</param>
    public IReadOnlyList<Input> Range(long fromIndex, int maxCount, long maxBytes = long.MaxValue)
    {
        if (fromIndex > LastIndex) return [];
        if (fromIndex <= BaseIndex) throw new InvalidOperationException($"entry {fromIndex} was compacted");
        var start = (int)(fromIndex - BaseIndex - 1);
        var count = Math.Min(maxCount, _entries.Count - start);
        if (maxBytes < long.MaxValue)
        {
            long bytes = _entries[start].Command.Length;
            for (var n = 1; n < count; n++)
            {
                bytes += _entries[start + n].Command.Length;
                if (bytes <= maxBytes) continue;
                count = n;
                break;
            }
        }
        return _entries.GetRange(start, count);
    }

    /// <summary>Drops entries up to <paramref name="index"/> (they are covered by a snapshot).</summary>
    public void CompactTo(long index, long epochAtIndex)
    {
        if (index <= BaseIndex) return;
        var drop = (int)Math.Min(index - BaseIndex, _entries.Count);
        if (drop > 0) _bytesThroughBase = _bytesThrough[drop - 1];
        _entries.RemoveRange(0, drop);
        _bytesThrough.RemoveRange(0, drop);
        BaseIndex = index;
        BaseEpoch = epochAtIndex;
    }

    /// <summary>Drops every entry: the log continues after <paramref name="index"/>, whose state came from elsewhere.</summary>
    public void ResetTo(long index, long epochAtIndex)
    {
        _entries.Clear();
        _bytesThrough.Clear();
        _bytesThroughBase = 0;
        BaseIndex = index;
        BaseEpoch = epochAtIndex;
    }

    /// <summary>First index of the run of entries that share the epoch of <paramref name="index"/>.</summary>
    public long FirstIndexOfEpochRun(long index)
    {
        var epoch = EpochAt(index);
        var i = index;
        while (i - 1 > BaseIndex && EpochAt(i - 1) == epoch) i--;
        return i;
    }
}
