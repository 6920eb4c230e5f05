namespace AkkaLockstep.Chaos;

/// <summary>The ops of one key, validated and with their values interned, ready for the searches.</summary>
internal sealed class RegisterHistory
{
    private readonly List<byte[]> _observed = [];
    private readonly Dictionary<byte[], int> _ids = new(ByteContentComparer.Instance);

    public string Key { get; }

    /// <summary>The ops searched; Source[i] is the recorded op behind Ops[i].</summary>
    public HistoryOp[] Source { get; }

    public RegisterOp[] Ops { get; }

    public int AnsweredCount { get; }

    /// <summary>The Unknown ops in invocation order.</summary>
    public int[] UnknownByInvocation { get; }

    /// <summary>
    /// For an Unknown op, the previously invoked Unknown op with the same effect (kind and values), or -1. Such
    /// ops are interchangeable once both are invoked, so the searches only try the earliest unused one, which
    /// also keeps the sets of used ones canonical.
    /// </summary>
    public int[] SameEffectBefore { get; }

    public RegisterHistory(string key, IEnumerable<HistoryOp> ops)
    {
        Key = key;
        // An Unknown get changes nothing and its result is unconstrained: it cannot matter.
        Source = ops.Where(o => o.Answered || o.Kind != KvOpKind.Get).ToArray();
        foreach (var op in Source)
        {
            Validate(op);
            if (ReadValue(op) is { } read) Observe(read);
            if (op is { Kind: KvOpKind.Cas, Expected: { } expected }) Observe(expected);
        }
        Ops = new RegisterOp[Source.Length];
        for (var i = 0; i < Source.Length; i++)
        {
            var op = Source[i];
            Ops[i] = new RegisterOp(op.Kind, op.Outcome, Id(op.Value), Id(op.Expected), ReadValue(op) is { } read ? Id(read) : RegisterOp.Absent);
            if (op.Answered) AnsweredCount++;
        }
        UnknownByInvocation = Enumerable.Range(0, Ops.Length).Where(i => !Ops[i].Answered).OrderBy(i => Source[i].InvokedMs).ToArray();
        SameEffectBefore = new int[Ops.Length];
        Array.Fill(SameEffectBefore, -1);
        var lastOfEffect = new Dictionary<(KvOpKind, int, int), int>();
        foreach (var i in UnknownByInvocation)
        {
            var effect = (Ops[i].Kind, Ops[i].Value, Ops[i].Expected);
            SameEffectBefore[i] = lastOfEffect.GetValueOrDefault(effect, -1);
            lastOfEffect[effect] = i;
        }
    }

    public string DescribeState(int state) => state switch
    {
        RegisterOp.Absent => "absent",
        RegisterOp.Unobserved => "holding a value no op read or compared",
        _ => "holding " + ValueText.Format(_observed[state - RegisterOp.Unobserved - 1]),
    };

    // The kv result codec turns an empty value read into a null payload: a get that found a key read bytes.
    private static byte[]? ReadValue(HistoryOp op) => op is { Kind: KvOpKind.Get, Outcome: OpOutcome.Ok } ? op.Output ?? [] : null;

    private void Observe(byte[] value)
    {
        if (_ids.ContainsKey(value)) return;
        _observed.Add(value);
        _ids.Add(value, RegisterOp.Unobserved + _observed.Count);
    }

    // Values no get read and no cas compared against behave alike in every op, so they share one state; with
    // unique values per write that collapses most writes and keeps the search small.
    private int Id(byte[]? value) =>
        value is null ? RegisterOp.Absent : _ids.GetValueOrDefault(value, RegisterOp.Unobserved);

    private static void Validate(HistoryOp op)
    {
        if (op.Kind is KvOpKind.Put or KvOpKind.Cas && op.Value is null)
            throw new ArgumentException($"{op.Kind} without a value: {op}");
        if (!op.Answered) return;
        if (op.CompletedMs is not { } completed)
            throw new ArgumentException($"answered op without a completion time: {op}");
        if (completed < op.InvokedMs)
            throw new ArgumentException($"op completed before it was invoked: {op}");
    }
}
