namespace AkkaLockstep.Chaos;

/// <summary>
/// One client operation as the client saw it. Times are milliseconds on one monotonic clock; CompletedMs is
/// required for answered ops and optional for Unknown ones (when the client gave up). For a Get with Ok, Output
/// is the value read. A Cas with Expected null means "only if the key is absent". Epoch and Host name the primary
/// that answered (0 and null when Unknown).
/// </summary>
public sealed record HistoryOp(
    int Client,
    long Id,
    KvOpKind Kind,
    string Key,
    byte[]? Value,
    byte[]? Expected,
    long InvokedMs,
    long? CompletedMs,
    OpOutcome Outcome,
    byte[]? Output,
    long Epoch,
    string? Host)
{
    public bool Answered => Outcome != OpOutcome.Unknown;

    /// <summary>One line for reports, e.g. <c>c2#17 get("k") [120, 135] -> Ok "v1" (e4 h2)</c>.</summary>
    public override string ToString()
    {
        var call = Kind switch
        {
            KvOpKind.Put => $"put(\"{Key}\", {ValueText.Format(Value)})",
            KvOpKind.Cas => $"cas(\"{Key}\", {ValueText.Format(Expected)} -> {ValueText.Format(Value)})",
            KvOpKind.Delete => $"delete(\"{Key}\")",
            _ => $"get(\"{Key}\")",
        };
        var output = Kind == KvOpKind.Get && Outcome == OpOutcome.Ok ? " " + ValueText.Format(Output ?? []) : "";
        var primary = Answered ? $" (e{Epoch} {Host})" : "";
        return $"c{Client}#{Id} {call} [{InvokedMs}, {CompletedMs?.ToString() ?? "?"}] -> {Outcome}{output}{primary}";
    }
}
