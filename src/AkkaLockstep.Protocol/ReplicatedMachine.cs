using System.Buffers.Binary;

namespace AkkaLockstep.Protocol;

/// <summary>
/// The replicated state of one replica: the guest plus the exactly-once session table and the hash chain,
/// advanced one input at a time in index order.
/// </summary>
public sealed class ReplicatedMachine(IGuest guest, long sessionTtlMs = ReplicatedMachine.DefaultSessionTtlMs)
{
    public const long DefaultSessionTtlMs = 3_600_000;

    /// <summary>Session expiry runs at input indexes that are multiples of this, so both replicas run it together.</summary>
    public const long ExpiryInterval = 1024;

    /// <summary>Inputs of this session change nothing: their output is the guest's digest at their index (`vm verify`).</summary>
    public static readonly Guid VerifySessionId = new("00000000-0000-0000-0000-0000000000f1");

    public IGuest Guest { get; } = guest;

    /// <summary>A verify input's output: its index (8 bytes, little endian) then the digest.</summary>
    public static byte[] EncodeVerification(long index, byte[] digest)
    {
        var output = new byte[8 + digest.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(output, index);
        digest.CopyTo(output, 8);
        return output;
    }

    public static (long Index, byte[] Digest) DecodeVerification(ReadOnlySpan<byte> output) =>
        output.Length < 8 ? throw new InvalidDataException("verification output is truncated")
            : (System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(output), output[8..].ToArray());
    public SessionTable Sessions { get; private set; } = new();
    public HashChain Hash { get; private set; } = new();
    public long AppliedIndex { get; private set; }

    public ApplyResult Apply(Input input)
    {
        if (input.Index != AppliedIndex + 1)
            throw new InvalidOperationException($"apply out of order: index {input.Index} after {AppliedIndex}");
        ApplyResult result;
        if (input.SessionId == Guid.Empty)
        {
            // An epoch's opening no-op: nothing for the guest, but it is part of the hash chain.
            result = new ApplyResult(ApplyKind.Executed, []);
        }
        else if (input.SessionId == VerifySessionId)
        {
            // Both replicas take the guest's digest at this same index; it goes into the hash chain, so the
            // secondary's hash check covers it.
            result = new ApplyResult(ApplyKind.Executed, EncodeVerification(input.Index, Guest.Digest()));
        }
        else if (Sessions.TryGet(input.SessionId, out var entry) && input.RequestNo <= entry.RequestNo)
        {
            result = input.RequestNo == entry.RequestNo
                ? new ApplyResult(ApplyKind.Duplicate, entry.Output)
                : new ApplyResult(ApplyKind.Stale, []);
        }
        else
        {
            var output = Guest.Apply(input.Command, input.Context);
            Sessions.Record(input.SessionId, input.RequestNo, output, input.TimestampMs);
            result = new ApplyResult(ApplyKind.Executed, output);
        }
        Hash.Append(input, result.Kind, result.Output);
        AppliedIndex = input.Index;
        if (input.Index % ExpiryInterval == 0) Sessions.Expire(input.TimestampMs, sessionTtlMs);
        return result;
    }

    /// <summary>A state snapshot: applied index, hash, sessions and guest state.</summary>
    public byte[] Snapshot() => Freeze().ToArray();

    /// <summary>The snapshot frozen now, to be written out on another thread (the guest's part shared, not copied).</summary>
    public StateImage Freeze()
    {
        var guest = Guest.Freeze();
        using var sessions = new MemoryStream();
        Sessions.WriteTo(sessions);
        var prefix = new byte[8 + 32 + sessions.Length + 4];
        BinaryPrimitives.WriteInt64LittleEndian(prefix, AppliedIndex);
        Hash.Value.CopyTo(prefix, 8);
        sessions.GetBuffer().AsSpan(0, (int)sessions.Length).CopyTo(prefix.AsSpan(40));
        BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(prefix.Length - 4), checked((int)guest.Length));
        return new MachineImage(prefix, guest);
    }

    private sealed class MachineImage(byte[] prefix, StateImage guest) : StateImage
    {
        public override long Length => prefix.Length + guest.Length;

        public override IEnumerable<ReadOnlyMemory<byte>> Blocks() => guest.Blocks().Prepend(prefix);
    }

    public void Restore(byte[] snapshot) => Restore(new MemoryStream(snapshot, 0, snapshot.Length, writable: false, publiclyVisible: true),
        snapshot.Length);

    /// <summary>Restores the <paramref name="length"/> bytes of a snapshot read from <paramref name="snapshot"/>.</summary>
    public void Restore(Stream snapshot, long length)
    {
        var start = snapshot.Position;
        using var reader = new BinaryReader(snapshot, System.Text.Encoding.UTF8, leaveOpen: true);
        var prefix = ReadPrefix(reader, length);
        var guestLength = length - (snapshot.Position - start);
        // A snapshot in memory is read in place (a copy of a large state would cost as much again); one on disk is streamed.
        if (snapshot is MemoryStream memory && memory.TryGetBuffer(out var buffer))
            Guest.Restore(buffer.AsSpan((int)snapshot.Position, (int)guestLength));
        else Guest.Restore(snapshot, guestLength);
        Install(prefix);
    }

    /// <summary>
    /// A builder of this machine's state from a snapshot of <paramref name="length"/> bytes arriving in pieces (a full
    /// copy); its <see cref="IStateBuilder.Problem"/> says when the state is better restored from the whole at the end.
    /// </summary>
    public IStateBuilder BeginRestore(long length) => new MachineStateBuilder(this, length);

    /// <summary>What a snapshot holds before the guest's state.</summary>
    internal sealed record Prefix(long Applied, byte[] Hash, SessionTable Sessions);

    /// <summary>Reads the prefix of a snapshot of <paramref name="length"/> bytes, checking the guest's part fills the rest.</summary>
    /// <exception cref="EndOfStreamException">The bytes end inside the prefix.</exception>
    internal static Prefix ReadPrefix(BinaryReader reader, long length)
    {
        var start = reader.BaseStream.Position;
        var applied = reader.ReadInt64();
        var hash = reader.ReadBytes(32);
        var sessions = SessionTable.ReadFrom(reader);
        var guestLength = reader.ReadInt32();
        var left = length - (reader.BaseStream.Position - start);
        if (hash.Length != 32 || guestLength < 0 || guestLength != left)
            throw new InvalidDataException($"the guest state announces {guestLength} bytes, the snapshot holds {left}");
        return new Prefix(applied, hash, sessions);
    }

    internal void Install(Prefix prefix)
    {
        AppliedIndex = prefix.Applied;
        Hash = new HashChain(prefix.Hash);
        Sessions = prefix.Sessions;
    }
}
