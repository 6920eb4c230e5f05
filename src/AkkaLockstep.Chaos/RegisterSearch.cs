using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AkkaLockstep.Chaos;

/// <summary>
/// Wing–Gong–Lowe linearizability search for one register, memoized as in Porcupine. Invocations and responses
/// form a doubly linked list in time order; an op may be linearized next only if its call comes before the first
/// response still in the list (every op that completed before it was invoked is already linearized). Linearizing
/// an op lifts its call and response out of the list; backtracking puts them back. The search is a loop over an
/// explicit stack, so thousands of ops on a hot key cannot overflow the call stack.
/// <para>
/// Unknown ops have no response (it is at +infinity): they never hold others back and need not be linearized,
/// which also covers "never took effect" (an op placed after everything else affects nothing). So the search
/// succeeds once every answered op is linearized. Two rules keep the 2^n subsets of pending Unknown ops from
/// blowing up the memo. Unknown ops with the same effect (kind and values) are interchangeable once invoked, so
/// only the earliest unused one of each effect may be linearized, which makes the set of used ones canonical. And
/// a configuration is pruned if one with the same answered set and state, and a subset of its used Unknown ops,
/// was already visited: leaving an optional op unused never rules a completion out. Answered candidates are
/// tried before Unknown ones so the smaller sets tend to be visited first.
/// </para>
/// </summary>
internal sealed class RegisterSearch
{
    public enum Verdict { Linearizable, NotLinearizable, OutOfTime }

    private const int Head = 0;
    private const int None = -1;
    private const int RecentKept = 5;
    private const int StepsPerClockCheck = 1024;

    private readonly RegisterOp[] _ops;
    private readonly int _answeredCount;
    private readonly int _unknownCount;
    // Per op: its bit in the answered or the Unknown set, for answered ops a random key so the answered set
    // hashes incrementally, for Unknown ops the previously invoked Unknown op with the same effect. Per list
    // entry: its op, and for an answered op's call the entry of its response.
    private readonly int[] _bit;
    private readonly ulong[] _zobrist;
    private readonly int[] _sameEffectBefore;
    private readonly int[] _entryOp;
    private readonly int[] _returnOf;
    private readonly bool[] _isCall;
    private readonly int[] _next;
    private readonly int[] _prev;

    public RegisterSearch(RegisterHistory history)
    {
        _ops = history.Ops;
        _answeredCount = history.AnsweredCount;
        _bit = new int[_ops.Length];
        _zobrist = new ulong[_ops.Length];
        var answeredBits = 0;
        var events = new List<(long Time, int IsReturn, int Op)>(2 * _ops.Length);
        for (var i = 0; i < _ops.Length; i++)
        {
            if (_ops[i].Answered)
            {
                _bit[i] = answeredBits++;
                _zobrist[i] = SplitMix64((ulong)i);
            }
            else _bit[i] = _unknownCount++;
            events.Add((history.Source[i].InvokedMs, 0, i));
            if (_ops[i].Answered) events.Add((history.Source[i].CompletedMs!.Value, 1, i));
        }
        // Calls sort before responses at the same millisecond: ops that touch count as concurrent, since the
        // clock cannot tell which came first.
        events.Sort();
        var count = events.Count + 1;
        _entryOp = new int[count];
        _returnOf = new int[count];
        _isCall = new bool[count];
        _next = new int[count];
        _prev = new int[count];
        var callOf = new int[_ops.Length];
        _sameEffectBefore = new int[_ops.Length];
        var lastOfEffect = new Dictionary<(KvOpKind, int, int), int>();
        _returnOf[Head] = None;
        for (var e = 1; e < count; e++)
        {
            var (_, isReturn, op) = events[e - 1];
            _entryOp[e] = op;
            _returnOf[e] = None;
            _isCall[e] = isReturn == 0;
            if (isReturn == 0) callOf[op] = e;
            else _returnOf[callOf[op]] = e;
            if (isReturn == 0 && !_ops[op].Answered)
            {
                var effect = (_ops[op].Kind, _ops[op].Value, _ops[op].Expected);
                _sameEffectBefore[op] = lastOfEffect.GetValueOrDefault(effect, None);
                lastOfEffect[effect] = op;
            }
            _prev[e] = e - 1;
            _next[e - 1] = e;
        }
        _next[count - 1] = None;
        DeepestLinearized = Bits.Create(_answeredCount);
    }

    /// <summary>The most answered ops any branch linearized; the counterexample is built around that point.</summary>
    public int DeepestAnswered { get; private set; }

    public int DeepestState { get; private set; }

    /// <summary>The last few ops linearized on the way to the deepest point, oldest first.</summary>
    public int[] DeepestRecent { get; private set; } = [];

    private ulong[] DeepestLinearized { get; set; }

    public bool LinearizedAtDeepest(int op) => _ops[op].Answered && Bits.Has(DeepestLinearized, _bit[op]);

    public Verdict Run(long deadlineTimestamp)
    {
        var answered = Bits.Create(_answeredCount);
        var unknown = Bits.Create(_unknownCount);
        var visited = new Dictionary<(ulong Hash, int State), Visit>();
        var stack = new List<Frame>();
        var hash = 0UL;
        var state = RegisterOp.Absent;
        var remaining = _answeredCount;
        var entry = _next[Head];
        var unknownPhase = false;
        var steps = 0;
        while (remaining > 0)
        {
            if (++steps % StepsPerClockCheck == 0 && Stopwatch.GetTimestamp() > deadlineTimestamp) { System.IO.File.AppendAllText("/tmp/chaos-stats.txt", $"timeout steps={steps} visited={visited.Count} chains={visited.Values.Sum(v => Len(v))} deepest={DeepestAnswered}/{_answeredCount} unknown={_unknownCount}\n"); return Verdict.OutOfTime; }
            if (entry == None || !_isCall[entry])
            {
                // Every answered candidate here has been tried; now the Unknown ones, then backtrack.
                if (!unknownPhase)
                {
                    unknownPhase = true;
                    entry = _next[Head];
                    continue;
                }
                if (stack.Count == 0) { System.IO.File.AppendAllText("/tmp/chaos-stats.txt", $"refuted steps={steps} visited={visited.Count} chains={visited.Values.Sum(v => Len(v))} deepest={DeepestAnswered}/{_answeredCount} unknown={_unknownCount}\n"); return Verdict.NotLinearizable; }
                var frame = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                var undone = _entryOp[frame.Entry];
                if (_ops[undone].Answered)
                {
                    Bits.Clear(answered, _bit[undone]);
                    hash ^= _zobrist[undone];
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
            var nextHash = op.Answered ? hash ^ _zobrist[i] : hash;
            Bits.Set(set, _bit[i]);
            if (!FirstVisit(visited, nextHash, next, answered, unknown))
            {
                Bits.Clear(set, _bit[i]);
                entry = _next[entry];
                continue;
            }
            stack.Add(new Frame(entry, state, unknownPhase));
            hash = nextHash;
            state = next;
            Lift(entry);
            entry = _next[Head];
            unknownPhase = false;
            if (op.Answered && _answeredCount - --remaining > DeepestAnswered)
                RecordDeepest(_answeredCount - remaining, answered, state, stack);
        }
        return Verdict.Linearizable;
    }

    private static int Len(Visit? v) { var n = 0; for (; v != null; v = v.Next) n++; return n; }

    private bool EarliestUnusedOfItsEffect(int op, ulong[] unknown) =>
        _sameEffectBefore[op] == None || Bits.Has(unknown, _bit[_sameEffectBefore[op]]);

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
        DeepestAnswered = depth;
        DeepestState = state;
        DeepestLinearized = (ulong[])answered.Clone();
        DeepestRecent = stack.Skip(Math.Max(0, stack.Count - RecentKept)).Select(f => _entryOp[f.Entry]).ToArray();
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

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    private readonly record struct Frame(int Entry, int State, bool UnknownPhase);

    /// <summary>A visited configuration; configurations sharing a hash and state are chained.</summary>
    private sealed record Visit(ulong[] Answered, ulong[] Unknown, Visit? Next);
}
