using System.Buffers.Binary;
using System.Text;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Guests.Kv;

/// <summary>The built-in key-value guest: get, put, delete and compare-and-set over an ordinal-sorted map.</summary>
public sealed class KvGuest : IGuest
{
    private SortedDictionary<string, byte[]> _map = new(StringComparer.Ordinal);

    public string Kind => "kv";

    public int Count => _map.Count;

    public IReadOnlyDictionary<string, byte[]> Entries => _map;

    public byte[] Apply(ReadOnlySpan<byte> command, in InputContext context)
    {
        if (!KvCommand.TryDecode(command, out var cmd, out var error))
            return new KvResult(KvStatus.Error, Error: error).Encode();
        return Execute(cmd!).Encode();
    }

    private KvResult Execute(KvCommand cmd)
    {
        switch (cmd.Op)
        {
            case KvOp.Get:
                return _map.TryGetValue(cmd.Key, out var value) ? new KvResult(KvStatus.Ok, value) : KvResult.NotFound;
            case KvOp.Put:
                _map[cmd.Key] = cmd.Value!;
                return KvResult.Ok;
            case KvOp.Delete:
                return _map.Remove(cmd.Key) ? KvResult.Ok : KvResult.NotFound;
            case KvOp.CompareAndSet:
                var exists = _map.TryGetValue(cmd.Key, out var current);
                var matches = cmd.Expected is null ? !exists : exists && current!.AsSpan().SequenceEqual(cmd.Expected);
                if (!matches) return new KvResult(KvStatus.CasFailed, current);
                _map[cmd.Key] = cmd.Value!;
                return KvResult.Ok;
            default:
                return new KvResult(KvStatus.Error, Error: "unknown kv operation");
        }
    }

    public byte[] Snapshot() => Freeze().ToArray();

    /// <summary>
    /// The map's entries as they are now. Values are never changed in place (a put stores a new array), so the image
    /// shares them with the map: freezing costs the keys, not the state.
    /// </summary>
    public StateImage Freeze() => new KvImage(_map.Select(e => (Encoding.UTF8.GetBytes(e.Key), e.Value)).ToArray());

    /// <summary>The snapshot's layout: count, then each key and value with its length, in key order.</summary>
    private sealed class KvImage((byte[] Key, byte[] Value)[] entries) : StateImage
    {
        public override long Length { get; } = 4L + entries.Sum(e => 8L + e.Key.Length + e.Value.Length);

        public override IEnumerable<ReadOnlyMemory<byte>> Blocks()
        {
            // One length buffer, rewritten: a block is valid only until the next is taken.
            var header = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(header, entries.Length);
            yield return header;
            foreach (var (key, value) in entries)
            {
                BinaryPrimitives.WriteInt32LittleEndian(header, key.Length);
                yield return header;
                yield return key;
                BinaryPrimitives.WriteInt32LittleEndian(header, value.Length);
                yield return header;
                yield return value;
            }
        }
    }

    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        var builder = BeginRestore(snapshot.Length);
        builder.Write(snapshot);
        Commit(builder);
    }

    /// <summary>Builds the map while reading: a copy on disk is never held in memory beside the state made from it.</summary>
    public void Restore(Stream snapshot, long length)
    {
        var builder = BeginRestore(length);
        var block = new byte[(int)Math.Clamp(length, 1, RestoreBlockBytes)];
        for (var left = length; left > 0;)
        {
            var read = snapshot.Read(block, 0, (int)Math.Min(block.Length, left));
            if (read == 0) throw new InvalidDataException("kv snapshot is truncated");
            if (!builder.Write(block.AsSpan(0, read))) break;
            left -= read;
        }
        Commit(builder);
    }

    private const int RestoreBlockBytes = 1 << 20;

    private static void Commit(IStateBuilder builder)
    {
        if (!builder.Commit()) throw new InvalidDataException(builder.Problem);
    }

    public IStateBuilder BeginRestore(long length) => new KvStateBuilder(length, map => _map = map);

    /// <summary>SHA-256 of <see cref="Snapshot"/>, hashed as it is laid out instead of building it.</summary>
    public byte[] Digest() => DigestLater()();

    /// <summary>The digest is the SHA-256 of the snapshot: hashed from a frozen image, so it may be taken off the replica's thread.</summary>
    public Func<byte[]> DigestLater()
    {
        var image = Freeze();
        return () => image.Sha256();
    }
}
