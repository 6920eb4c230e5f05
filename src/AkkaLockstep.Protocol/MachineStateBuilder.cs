namespace AkkaLockstep.Protocol;

/// <summary>
/// Builds a <see cref="ReplicatedMachine"/>'s state from a full copy as its pieces arrive. The snapshot is a prefix
/// (applied index, hash chain, session table, the guest's length), held until it reads whole (it is small: the sessions'
/// last outputs), then the guest's state, handed to the guest's builder piece by piece. A guest without a builder, or a
/// prefix that does not read, is a <see cref="Problem"/>: the state is then restored from the whole copy at its end,
/// which says what is wrong if anything is.
/// </summary>
internal sealed class MachineStateBuilder(ReplicatedMachine machine, long length) : IStateBuilder
{
    /// <summary>A prefix longer than this is not held in memory beside the copy (the copy is restored whole instead).</summary>
    private const long MaxPrefixBytes = 64 << 20;

    private MemoryStream? _prefixBytes = new();
    // The prefix is read again only when its bytes doubled: a long session table costs linear time, not quadratic.
    private long _nextTry = 8 + 32 + 4 + 4;
    private ReplicatedMachine.Prefix? _prefix;
    private IStateBuilder? _guest;
    private string? _problem;

    public string? Problem => _problem ?? _guest?.Problem;

    public bool Write(ReadOnlySpan<byte> bytes)
    {
        if (Problem is not null) return false;
        if (_guest is not null) return _guest.Write(bytes);
        var held = _prefixBytes!;
        held.Write(bytes);
        return held.Length < _nextTry && held.Length < length || TryReadPrefix(held);
    }

    private bool TryReadPrefix(MemoryStream held)
    {
        held.Position = 0;
        using var reader = new BinaryReader(held, System.Text.Encoding.UTF8, leaveOpen: true);
        try
        {
            _prefix = ReplicatedMachine.ReadPrefix(reader, length);
        }
        catch (Exception e) when (e is EndOfStreamException or ArgumentException)
        {
            // Not all of it yet (a short read of a session's id throws ArgumentException).
            held.Seek(0, SeekOrigin.End);
            if (held.Length >= length) return Fail("the snapshot ends inside its prefix");
            if (held.Length > MaxPrefixBytes) return Fail($"the snapshot's prefix is longer than {MaxPrefixBytes} bytes");
            _nextTry = 2 * held.Length;
            return true;
        }
        catch (InvalidDataException e)
        {
            return Fail(e.Message);
        }
        var guestStart = (int)held.Position;
        _guest = machine.Guest.BeginRestore(length - guestStart);
        _prefixBytes = null;
        if (_guest is null) return Fail($"the {machine.Guest.Kind} guest restores from the whole snapshot");
        return _guest.Write(held.GetBuffer().AsSpan(guestStart, (int)held.Length - guestStart));
    }

    public bool Commit()
    {
        if (Problem is not null) return false;
        if (_guest is null || _prefix is null) return Fail("the snapshot ends inside its prefix");
        if (!_guest.Commit()) return false;
        machine.Install(_prefix);
        return true;
    }

    private bool Fail(string problem)
    {
        _problem = problem;
        return false;
    }
}
