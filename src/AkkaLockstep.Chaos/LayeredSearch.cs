using System.Diagnostics;

namespace AkkaLockstep.Chaos;

/// <summary>
/// Wing–Gong–Lowe linearizability search for one register, memoized and breadth-first: the exact answer when
/// <see cref="DepthFirstSearch"/> gives up. Layer k holds every distinct configuration (set of answered ops
/// linearized, register state, Unknown ops used) with k answered ops linearized. An answered op may go next only
/// if every answered op that completed before its invocation is already linearized. Layers replace recursion, so
/// a hot key cannot overflow the stack, and only two are held at a time.
/// <para>
/// Unknown ops have their response at +infinity: they never hold others back and need not take effect at all,
/// so the search succeeds once every answered op is linearized. Any linearization can be rearranged so each
/// Unknown op takes effect just before the answered op that follows it, so Unknown ops are applied only in
/// bursts right before an answered op that cannot go without them. Breadth-first order makes the memo exact: a
/// configuration is dropped if another with the same answered set and state used a subset of its Unknown ops
/// (an op left unused stays available, which never hurts), and as a layer is complete before it is expanded,
/// only the minimal ones are expanded, whatever order they were found in.
/// </para>
/// </summary>
internal sealed class LayeredSearch
{
    private const int None = -1;
    private const int RecentKept = 5;
    private const int NoOrigin = -1;

    private readonly RegisterHistory _history;
    private readonly RegisterOp[] _ops;
    private readonly long[] _invokedMs;
    private readonly long[] _completedMs;
    private readonly int _answeredCount;
    private readonly int _unknownCount;
    private readonly int[] _bit;
    private readonly int[] _answeredByInvocation;
    private readonly int[] _answeredByCompletion;
    private readonly Dictionary<int, int[]> _unknownCasByExpected;

    private Group? _deepest;
    private int _deepestAnswered;

    public LayeredSearch(RegisterHistory history)
    {
        _history = history;
        _ops = history.Ops;
        _answeredCount = history.AnsweredCount;
        _unknownCount = history.UnknownByInvocation.Length;
        _invokedMs = history.Source.Select(o => o.InvokedMs).ToArray();
        _completedMs = history.Source.Select(o => o.Answered ? o.CompletedMs!.Value : long.MaxValue).ToArray();
        var answered = Enumerable.Range(0, _ops.Length).Where(i => _ops[i].Answered).ToArray();
        _answeredByInvocation = answered.OrderBy(i => _invokedMs[i]).ToArray();
        _answeredByCompletion = answered.OrderBy(i => _completedMs[i]).ToArray();
        _unknownCasByExpected = history.UnknownByInvocation.Where(i => _ops[i].Kind == KvOpKind.Cas)
            .GroupBy(i => _ops[i].Expected)
            .ToDictionary(g => g.Key, g => g.ToArray());
        // Per op: its bit in the answered or the Unknown set.
        _bit = new int[_ops.Length];
        for (var k = 0; k < _answeredByInvocation.Length; k++) _bit[_answeredByInvocation[k]] = k;
        for (var k = 0; k < _unknownCount; k++) _bit[history.UnknownByInvocation[k]] = k;
    }

    public DeepestPoint Deepest()
    {
        if (_deepest is null) return new DeepestPoint(0, RegisterOp.Absent, [], new HashSet<int>());
        var (state, configs) = _deepest.ByState.First();
        var linearized = _answeredByInvocation.Where(i => Bits.Has(_deepest.Answered, _bit[i])).ToHashSet();
        return new DeepestPoint(_deepestAnswered, state, configs[0].Recent, linearized);
    }

    public SearchVerdict Run(long deadlineTimestamp)
    {
        var start = new Group(Bits.Create(_answeredCount), 0, 0, 0);
        start.ByState[RegisterOp.Absent] = [new Config(Bits.Create(_unknownCount), [], NoOrigin)];
        var layer = new Dictionary<ulong, Group> { [0] = start };
        for (var depth = 0; depth < _answeredCount; depth++)
        {
            var next = new Dictionary<ulong, Group>();
            foreach (var first in layer.Values)
                for (var group = first; group is not null; group = group.SameHash)
                {
                    if (Stopwatch.GetTimestamp() > deadlineTimestamp) return SearchVerdict.OutOfTime;
                    Expand(group, next);
                }
            if (next.Count == 0) return SearchVerdict.NotLinearizable;
            layer = next;
            _deepest = layer.Values.First();
            _deepestAnswered = depth + 1;
        }
        return SearchVerdict.Linearizable;
    }

    private void Expand(Group group, Dictionary<ulong, Group> next)
    {
        var firstResponse = FirstResponse(group);
        var candidates = new List<int>();
        for (var k = FirstOpenByInvocation(group); k < _answeredByInvocation.Length && _invokedMs[_answeredByInvocation[k]] <= firstResponse; k++)
            if (!Bits.Has(group.Answered, _bit[_answeredByInvocation[k]])) candidates.Add(_answeredByInvocation[k]);

        HashSet<int>? stuck = null;
        foreach (var op in candidates)
        {
            Group? child = null;
            foreach (var (state, configs) in group.ByState)
            {
                if (!_ops[op].TryStep(state, out var after))
                {
                    if (_unknownCount > 0) (stuck ??= []).Add(state);
                    continue;
                }
                child ??= ChildGroup(next, group, op);
                foreach (var config in configs) Insert(child.ByState, after, config.Unknown, config.Recent, op, NoOrigin);
            }
        }
        if (stuck is null) return;

        // A burst only helps an op that cannot go from the burst's origin state: if the op writes, it would
        // overwrite the burst's effect, and if it only reads, the burst can as well come after it.
        var burst = Burst(group, stuck, firstResponse);
        foreach (var op in candidates)
        {
            Group? child = null;
            foreach (var (state, configs) in burst)
            {
                if (!_ops[op].TryStep(state, out var after)) continue;
                foreach (var config in configs)
                {
                    if (config.Origin == NoOrigin || _ops[op].TryStep(config.Origin, out _)) continue;
                    child ??= ChildGroup(next, group, op);
                    Insert(child.ByState, after, config.Unknown, config.Recent, op, NoOrigin);
                }
            }
        }
    }

    /// <summary>
    /// The group's configurations plus every state reachable by a burst of callable Unknown ops from those at a
    /// <paramref name="stuck"/> state (one some candidate cannot go from). Unknown puts and deletes set the state
    /// whatever it was, so one applied after other Unknown ops is dominated by applying it alone: only the
    /// group's own configurations try them. Unknown cas ops depend on the state, so every configuration tries those.
    /// </summary>
    private Dictionary<int, List<Config>> Burst(Group group, HashSet<int> stuck, long firstResponse)
    {
        var burst = group.ByState.ToDictionary(s => s.Key, s => s.Value.ToList());
        var work = new Queue<(int State, Config Config)>();
        foreach (var state in stuck)
            foreach (var config in group.ByState[state]) work.Enqueue((state, config));
        while (work.TryDequeue(out var item))
        {
            var own = item.Config.Origin == NoOrigin;
            var origin = own ? item.State : item.Config.Origin;
            var unknownOps = own ? _history.UnknownByInvocation : _unknownCasByExpected.GetValueOrDefault(item.State, []);
            foreach (var op in unknownOps)
            {
                if (_invokedMs[op] > firstResponse) break;
                if (Bits.Has(item.Config.Unknown, _bit[op]) || !EarliestUnusedOfItsEffect(op, item.Config.Unknown)) continue;
                _ops[op].TryStep(item.State, out var after);
                if (after == item.State) continue;
                if (Insert(burst, after, item.Config.Unknown, item.Config.Recent, op, origin) is { } added) work.Enqueue((after, added));
            }
        }
        return burst;
    }

    /// <summary>
    /// Adds the configuration reached by <paramref name="op"/> unless one at the same state used a subset of its
    /// Unknown ops; drops those it makes redundant. Returns the new configuration, or null if it was redundant.
    /// </summary>
    private Config? Insert(Dictionary<int, List<Config>> byState, int state, ulong[] unknown, int[] recent, int op, int origin)
    {
        var usesOp = !_ops[op].Answered;
        if (!byState.TryGetValue(state, out var configs)) byState[state] = configs = [];
        foreach (var existing in configs)
            if (usesOp ? Bits.IsSubsetWith(existing.Unknown, unknown, _bit[op]) : Bits.IsSubset(existing.Unknown, unknown))
                return null;
        if (usesOp)
        {
            unknown = (ulong[])unknown.Clone();
            Bits.Set(unknown, _bit[op]);
        }
        var kept = 0;
        for (var i = 0; i < configs.Count; i++)
            if (!Bits.IsSubset(unknown, configs[i].Unknown)) configs[kept++] = configs[i];
        configs.RemoveRange(kept, configs.Count - kept);
        var added = new Config(unknown, Append(recent, op), origin);
        configs.Add(added);
        return added;
    }

    private Group ChildGroup(Dictionary<ulong, Group> next, Group parent, int op)
    {
        var hash = parent.Hash ^ SetHash.Key(op);
        next.TryGetValue(hash, out var first);
        for (var group = first; group is not null; group = group.SameHash)
            if (Bits.EqualsWith(parent.Answered, _bit[op], group.Answered)) return group;
        var answered = (ulong[])parent.Answered.Clone();
        Bits.Set(answered, _bit[op]);
        var child = new Group(answered, hash, parent.FirstOpenByCompletion, parent.FirstOpenByInvocation) { SameHash = first };
        next[hash] = child;
        return child;
    }

    /// <summary>The earliest completion among answered ops not yet linearized; only ops invoked by then may go next.</summary>
    private long FirstResponse(Group group)
    {
        while (Bits.Has(group.Answered, _bit[_answeredByCompletion[group.FirstOpenByCompletion]])) group.FirstOpenByCompletion++;
        return _completedMs[_answeredByCompletion[group.FirstOpenByCompletion]];
    }

    private int FirstOpenByInvocation(Group group)
    {
        while (Bits.Has(group.Answered, _bit[_answeredByInvocation[group.FirstOpenByInvocation]])) group.FirstOpenByInvocation++;
        return group.FirstOpenByInvocation;
    }

    private bool EarliestUnusedOfItsEffect(int op, ulong[] unknown) =>
        _history.SameEffectBefore[op] == None || Bits.Has(unknown, _bit[_history.SameEffectBefore[op]]);

    private static int[] Append(int[] recent, int op) =>
        recent.Length < RecentKept ? [.. recent, op] : [.. recent.AsSpan(1), op];

    /// <summary>
    /// The configurations sharing one set of linearized answered ops, by register state. The first-open indices
    /// only grow (sets only grow), so they are carried over from the parent as a head start for the scans.
    /// </summary>
    private sealed class Group(ulong[] answered, ulong hash, int firstOpenByCompletion, int firstOpenByInvocation)
    {
        public ulong[] Answered { get; } = answered;
        public ulong Hash { get; } = hash;
        public int FirstOpenByCompletion { get; set; } = firstOpenByCompletion;
        public int FirstOpenByInvocation { get; set; } = firstOpenByInvocation;
        public Dictionary<int, List<Config>> ByState { get; } = [];

        /// <summary>The next group of the layer whose hash is the same.</summary>
        public Group? SameHash { get; init; }
    }

    /// <summary>The Unknown ops used so far and the last few ops linearized, for the counterexample.</summary>
    private sealed record Config(ulong[] Unknown, int[] Recent, int Origin);
}
