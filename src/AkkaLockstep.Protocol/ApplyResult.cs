namespace AkkaLockstep.Protocol;

public enum ApplyKind : byte
{
    /// <summary>The guest executed the command.</summary>
    Executed = 0,
    /// <summary>A retry of the session's last request: the stored output, not executed again.</summary>
    Duplicate = 1,
    /// <summary>The request number is older than the session's last one: nothing executed.</summary>
    Stale = 2,
}

public readonly record struct ApplyResult(ApplyKind Kind, byte[] Output);
