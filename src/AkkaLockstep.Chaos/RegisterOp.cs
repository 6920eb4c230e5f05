namespace AkkaLockstep.Chaos;

/// <summary>
/// One op on a single register, its values interned to small ids so the search compares ints.
/// State id 0 is "absent", 1 any value no op observes (see <see cref="RegisterHistory"/>).
/// </summary>
internal readonly record struct RegisterOp(KvOpKind Kind, OpOutcome Outcome, int Value, int Expected, int Output)
{
    public const int Absent = 0;
    public const int Unobserved = 1;

    public bool Answered => Outcome != OpOutcome.Unknown;

    /// <summary>
    /// Applies the op to <paramref name="state"/>; false if its recorded outcome is impossible from that state.
    /// An Unknown op's result is unconstrained, so it always applies, with the effect it would have had.
    /// </summary>
    public bool TryStep(int state, out int next)
    {
        next = state;
        switch (Kind, Outcome)
        {
            case (KvOpKind.Get, OpOutcome.Ok): return state == Output;
            case (KvOpKind.Get, OpOutcome.NotFound): return state == Absent;
            case (KvOpKind.Get, OpOutcome.Unknown): return true;
            case (KvOpKind.Put, OpOutcome.Ok or OpOutcome.Unknown): next = Value; return true;
            case (KvOpKind.Delete, OpOutcome.Ok): next = Absent; return state != Absent;
            case (KvOpKind.Delete, OpOutcome.NotFound): return state == Absent;
            case (KvOpKind.Delete, OpOutcome.Unknown): next = Absent; return true;
            case (KvOpKind.Cas, OpOutcome.Ok): next = Value; return state == Expected;
            case (KvOpKind.Cas, OpOutcome.CasFailed): return state != Expected;
            case (KvOpKind.Cas, OpOutcome.Unknown): if (state == Expected) next = Value; return true;
            // An outcome the kind cannot have (e.g. a put answered NotFound) fits no state, so the key fails
            // and the counterexample shows the recorder's mistake.
            default: return false;
        }
    }
}
