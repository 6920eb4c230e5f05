using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AkkaLockstep.Chaos;

/// <summary>
/// Wing–Gong–Lowe linearizability search for one register, depth-first and memoized as in Porcupine: the quick
/// way to find a linearization when there is one. Invocations and responses form a doubly linked list in time
/// order; an op may be linearized next only if its call comes before the first response still in the list
/// (every op that completed before it was invoked is already linearized). Linearizing an op lifts its call and
/// response out of the list; backtracking puts them back. The search is a loop over an explicit stack, so
/// thousands of ops on a hot key cannot overflow the call stack.
/// <para>
/// Unknown ops have no response (it is at +infinity): they never hold others back and need not be linearized,
/// which also covers "never took effect" (an op placed after everything else affects nothing), so the search
/// succeeds once every answered op is linearized. A configuration is pruned if one with the same answered set
/// and state, and a subset of its Unknown ops, was visited: leaving an optional op unused never rules a
/// completion out. Answered candidates are tried before Unknown ones. Depth-first order can still visit the
/// larger sets of Unknown ops first, which makes refuting a history with many of them slow, so the search gives
/// up after an allowance of configurations and <see cref="LayeredSearch"/> takes over.
/// </para>
/// </summary>
internal sealed class DepthFirstSearch
{
    private const int Head = 0;
    private const int None = -1;
    private const int RecentKept = 5;
    private const int StepsPerClockCheck = 1024;

    private readonly RegisterHistory _history;
    private readonly RegisterOp[] _ops;
    private readonly int _answeredCount;
    private readonly int _unknownCount;

    // Per op: its bit in the answered or the Unknown set. Per list entry: its op, whether it is a call, and for
    // an answered op's call the entry of its response.
    private readonly int[] _bit;
    private readonly int[] _entryOp;
    private readonly bool[] _isCall;
    private readonly int[] _returnOf;
    private readonly int[] _next;
    private readonly int[] _prev;

    private ulong[] _deepestLinearized;
    private int _deepestAnswered;
    private int _deepestState;
    private int[] _deepestRecent = [];

    public DepthFirstSearch(RegisterHistory history)
    {
        _history = history;
        _ops = history.Ops;
        _answeredCount = history.AnsweredCount;
        _bit = new int[_ops.Length];
        var events = new List<(long Time, int IsReturn, int Op)>(2 * _ops.Length);
        var answeredBits = 0;
        for (var i = 0; i < _ops.Length; i++)
        {
            _bit[i] = _ops[i].Answered ? answeredBits++ : _unknownCount++;
            events.Add((history.Source[i].InvokedMs, 0, i));
            if (_ops[i].Answered) events.Add((history.Source[i].CompletedMs!.Value, 1, i));
        }
        // Calls sort before responses at the same millisecond: ops that touch count as concurrent, since the
        // clock cannot tell which came first.
        events.Sort();
        var count = events.Count + 1;
        _entryOp = new int[count];
        _isCall = new bool[count];
        _returnOf = new int[count];
        _next = new int[count];
        _prev = new int[count];
        var callOf = new int[_ops.Length];
        _returnOf[Head] = None;
        for (var e = 1; e < count; e++)
        {
            var (_, isReturn, op) = events[e - 1];
            _entryOp[e] = op;
            _isCall[e] = isReturn == 0;
            _returnOf[e] = None;
            if (isReturn == 0) callOf[op] = e;
            else _returnOf[callOf[op]] = e;
            _prev[e] = e - 1;
            _next[e - 1] = e;
        }
        _next[count - 1] = None;
        _deepestLinearized = Bits.Create(_answeredCount);
    }

    public DeepestPoint Deepest() => new(_deepestAnswered, _deepestState, _deepestRecent,
        Enumerable.Range(0, _ops.Length).Where(i => _ops[i].Answered && Bits.Has(_deepestLinearized, _bit[i])).ToHashSet());

    /// <summary>Searches until an answer, the deadline, or <paramref name="maxVisits"/> distinct configurations.</summary>
    public SearchVerdict Run(long deadlineTimestamp, int maxVisits)
    {
        var answered = Bits.Create(_answeredCount);
        var unknown = Bits.Create(_unknownCount);
        var visited = new Dictionary<(ulong Hash, int State), Visit>();
        var visits = 0;
        var stack = new List<Frame>();
        var hash = 0UL;
        var state = RegisterOp.Absent;
        var remaining = _answeredCount;
        var entry = _next[Head];
        var unknownPhase = false;
        var steps = 0;
        while (remaining > 0)
        {
            if (++steps % StepsPerClockCheck == 0 && Stopwatch.GetTimestamp() > deadlineTimestamp) return SearchVerdict.OutOfTime;
            if (entry == None || !_isCall[entry])
            {
                // Every answered candidate here has been tried; now the Unknown ones, then backtrack.
                if (!unknownPhase)
                {
                    unknownPhase = true;
                    entry = _next[Head];
                    continue;
                }
                if (stack.Count == 0) return SearchVerdict.NotLinearizable;
                var frame = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                var undone = _entryOp[frame.Entry];
                if (_ops[undone].Answered)
                {
                    Bits.Clear(answered, _bit[undone]);
                    hash ^= SetHash.Key(undone);
                    remaining++;
                }
                else Bits.Clear(unknown, _bit[undone]);
                state = frame.State;
                Unlift(frame.Entry);
                entry = _next[frame.Entry];
                unknownPhase = frame.UnknownPhase;
                continue;
            }
            var i = _entryOp[entry];
            var op = _ops[i];
            // An Unknown op that would change nothing now is no use here; it stays available for later.
            if (op.Answered == unknownPhase || !op.TryStep(state, out var next) ||
                (!op.Answered && (next == state || !EarliestUnusedOfItsEffect(i, unknown))))
            {
                entry = _next[entry];
                continue;
            }
            var set = op.Answered ? answered : unknown;
            var nextHash = op.Answered ? hash ^ SetHash.Key(i) : hash;
            Bits.Set(set, _bit[i]);
            if (!FirstVisit(visited, nextHash, next, answered, unknown))
            {
                Bits.Clear(set, _bit[i]);
                entry = _next[entry];
                continue;
            }
            if (++visits > maxVisits) return SearchVerdict.GaveUp;
            stack.Add(new Frame(entry, state, unknownPhase));
            hash = nextHash;
            state = next;
            Lift(entry);
            entry = _next[Head];
            unknownPhase = false;
            if (op.Answered && _answeredCount - --remaining > _deepestAnswered)
                RecordDeepest(_answeredCount - remaining, answered, state, stack);
        }
        return SearchVerdict.Linearizable;
    }

    private bool EarliestUnusedOfItsEffect(int op, ulong[] unknown) =>
        _history.SameEffectBefore[op] == None || Bits.Has(unknown, _bit[_history.SameEffectBefore[op]]);

    private static bool FirstVisit(Dictionary<(ulong, int), Visit> visited, ulong hash, int state, ulong[] answered, ulong[] unknown)
    {
        ref var chain = ref CollectionsMarshal.GetValueRefOrAddDefault(visited, (hash, state), out _);
        for (var visit = chain; visit is not null; visit = visit.Next)
            if (visit.Answered.AsSpan().SequenceEqual(answered) && Bits.IsSubset(visit.Unknown, unknown)) return false;
        chain = new Visit((ulong[])answered.Clone(), (ulong[])unknown.Clone(), chain);
        return true;
    }

    private void RecordDeepest(int depth, ulong[] answered, int state, List<Frame> stack)
    {
        _deepestAnswered = depth;
        _deepestState = state;
        _deepestLinearized = (ulong[])answered.Clone();
        _deepestRecent = stack.Skip(Math.Max(0, stack.Count - RecentKept)).Select(f => _entryOp[f.Entry]).ToArray();
    }

    private void Lift(int call)
    {
        Remove(call);
        if (_returnOf[call] != None) Remove(_returnOf[call]);
    }

    // Dancing links: restoring in the reverse order of removal puts every entry back exactly where it was.
    private void Unlift(int call)
    {
        if (_returnOf[call] != None) Restore(_returnOf[call]);
        Restore(call);
    }

    private void Remove(int entry)
    {
        _next[_prev[entry]] = _next[entry];
        if (_next[entry] != None) _prev[_next[entry]] = _prev[entry];
    }

    private void Restore(int entry)
    {
        _next[_prev[entry]] = entry;
        if (_next[entry] != None) _prev[_next[entry]] = entry;
    }

    private readonly record struct Frame(int Entry, int State, bool UnknownPhase);

    /// <summary>A visited configuration; configurations sharing a hash and state are chained.</summary>
    private sealed record Visit(ulong[] Answered, ulong[] Unknown, Visit? Next);
}
