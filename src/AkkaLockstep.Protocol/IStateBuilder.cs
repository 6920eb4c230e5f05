namespace AkkaLockstep.Protocol;

/// <summary>
/// Builds a state from its snapshot's bytes as they arrive, in order (a full copy, piece by piece), so that the state
/// is ready when the last piece is: the restore overlaps the transfer instead of following it. Nothing changes until
/// <see cref="Commit"/>.
/// </summary>
public interface IStateBuilder
{
    /// <summary>Why the bytes taken so far cannot be a snapshot this builder makes (null: none so far).</summary>
    string? Problem { get; }

    /// <summary>Takes the next bytes; false once there is a <see cref="Problem"/> (later bytes are ignored).</summary>
    bool Write(ReadOnlySpan<byte> bytes);

    /// <summary>Replaces the state with the one built if the bytes were a whole snapshot; otherwise false, and nothing changed.</summary>
    bool Commit();
}
