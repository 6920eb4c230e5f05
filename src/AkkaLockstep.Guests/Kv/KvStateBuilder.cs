using System.Buffers.Binary;
using System.Text;
using AkkaLockstep.Protocol;

namespace AkkaLockstep.Guests.Kv;

/// <summary>
/// Reads a kv snapshot (count, then each key and value with its length) from pieces of any size, building the map as
/// they arrive: the one reader of the layout, for a whole snapshot as for a copy in pieces.
/// </summary>
internal sealed class KvStateBuilder(long length, Action<SortedDictionary<string, byte[]>> commit) : IStateBuilder
{
    private readonly SortedDictionary<string, byte[]> _map = new(StringComparer.Ordinal);
    private readonly byte[] _header = new byte[4];
    private int _headerHeld;
    private int _count = -1;
    private int _entries;
    private string? _key;
    private byte[]? _block;
    private int _blockHeld;
    private long _taken;

    public string? Problem { get; private set; }

    public bool Write(ReadOnlySpan<byte> bytes)
    {
        if (Problem is not null) return false;
        if (bytes.Length > length - _taken) return Fail("kv snapshot has trailing bytes");
        _taken += bytes.Length;
        while (!bytes.IsEmpty && Problem is null)
        {
            if (_block is null)
            {
                var headerPart = Math.Min(_header.Length - _headerHeld, bytes.Length);
                bytes[..headerPart].CopyTo(_header.AsSpan(_headerHeld));
                _headerHeld += headerPart;
                bytes = bytes[headerPart..];
                if (_headerHeld < _header.Length) break;
                _headerHeld = 0;
                var size = BinaryPrimitives.ReadInt32LittleEndian(_header);
                if (_count < 0)
                {
                    if (size < 0) return Fail("kv snapshot is corrupt");
                    _count = size;
                    continue;
                }
                if (_entries == _count && _key is null) return Fail("kv snapshot has trailing bytes");
                // What is left after this length: a block announced larger is never allocated.
                if (size < 0 || size > length - (_taken - bytes.Length)) return Fail("kv snapshot is corrupt");
                // Filled whole before it is used: not zeroed first.
                _block = GC.AllocateUninitializedArray<byte>(size);
                _blockHeld = 0;
            }
            var blockPart = Math.Min(_block.Length - _blockHeld, bytes.Length);
            bytes[..blockPart].CopyTo(_block.AsSpan(_blockHeld));
            _blockHeld += blockPart;
            bytes = bytes[blockPart..];
            if (_blockHeld == _block.Length) EndBlock(_block);
        }
        return Problem is null;
    }

    private void EndBlock(byte[] block)
    {
        _block = null;
        if (_key is null)
        {
            _key = Encoding.UTF8.GetString(block);
            return;
        }
        _map[_key] = block;
        _key = null;
        _entries++;
    }

    public bool Commit()
    {
        if (Problem is not null) return false;
        if (_taken != length || _count < 0 || _entries != _count || _headerHeld != 0 || _block is not null || _key is not null)
            return Fail("kv snapshot is truncated");
        commit(_map);
        return true;
    }

    private bool Fail(string problem)
    {
        Problem = problem;
        return false;
    }
}
