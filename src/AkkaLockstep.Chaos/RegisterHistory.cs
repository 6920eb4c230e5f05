namespace AkkaLockstep.Chaos;

/// <summary>The ops of one key, validated and with their values interned, ready for <see cref="RegisterSearch"/>.</summary>
internal sealed class RegisterHistory
{
    private readonly List<byte[]> _values = [];
    private readonly Dictionary<byte[], int> _ids = new(ByteContentComparer.Instance);

    public string Key { get; }

    /// <summary>The ops searched; Source[i] is the recorded op behind Ops[i].</summary>
    public HistoryOp[] Source { get; }

    public RegisterOp[] Ops { get; }

    public int AnsweredCount { get; }

    public RegisterHistory(string key, IEnumerable<HistoryOp> ops)
    {
        Key = key;
        // An Unknown get changes nothing and its result is unconstrained: it cannot matter.
        Source = ops.Where(o => o.Answered || o.Kind != KvOpKind.Get).ToArray();
        Ops = new RegisterOp[Source.Length];
        for (var i = 0; i < Source.Length; i++)
        {
            var op = Source[i];
            Validate(op);
            // The kv result codec turns an empty value read into a null payload: a get that found a key read bytes.
            var output = op is { Kind: KvOpKind.Get, Outcome: OpOutcome.Ok } ? Intern(op.Output ?? []) : RegisterOp.Absent;
            Ops[i] = new RegisterOp(op.Kind, op.Outcome, Intern(op.Value), Intern(op.Expected), output);
            if (op.Answered) AnsweredCount++;
        }
    }

    public string DescribeState(int state) => ValueText.Format(state == RegisterOp.Absent ? null : _values[state - 1]);

    private int Intern(byte[]? value)
    {
        if (value is null) return RegisterOp.Absent;
        if (_ids.TryGetValue(value, out var id)) return id;
        _values.Add(value);
        _ids.Add(value, _values.Count);
        return _values.Count;
    }

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
