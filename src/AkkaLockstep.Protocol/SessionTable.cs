using System.Buffers.Binary;

namespace AkkaLockstep.Protocol;

/// <summary>
/// The replicated exactly-once table: per session, the last request number and its output. Expiry is driven
/// by input timestamps only, so both replicas expire the same sessions at the same input.
/// </summary>
public sealed class SessionTable
{
    private readonly Dictionary<Guid, Entry> _sessions = new();

    public sealed class Entry(long requestNo, byte[] output, long lastSeenMs)
    {
        public long RequestNo { get; set; } = requestNo;
        public byte[] Output { get; set; } = output;
        public long LastSeenMs { get; set; } = lastSeenMs;
    }

    public int Count => _sessions.Count;

    public bool TryGet(Guid session, out Entry entry) => _sessions.TryGetValue(session, out entry!);

    public void Record(Guid session, long requestNo, byte[] output, long timestampMs)
    {
        if (_sessions.TryGetValue(session, out var entry))
        {
            entry.RequestNo = requestNo;
            entry.Output = output;
            entry.LastSeenMs = timestampMs;
        }
        else
        {
            _sessions[session] = new Entry(requestNo, output, timestampMs);
        }
    }

    /// <summary>Drops sessions idle for longer than <paramref name="ttlMs"/> of input time.</summary>
    public void Expire(long nowMs, long ttlMs)
    {
        List<Guid>? expired = null;
        foreach (var (id, entry) in _sessions)
            if (nowMs - entry.LastSeenMs > ttlMs)
                (expired ??= []).Add(id);
        if (expired is null) return;
        foreach (var id in expired) _sessions.Remove(id);
    }

    public void WriteTo(Stream stream)
    {
        Span<byte> buffer = stackalloc byte[36];
        BinaryPrimitives.WriteInt32LittleEndian(buffer, _sessions.Count);
        stream.Write(buffer[..4]);
        // Sorted so that equal tables serialise to equal bytes (digests compare across replicas).
        foreach (var (id, entry) in _sessions.OrderBy(kv => kv.Key))
        {
            id.TryWriteBytes(buffer);
            BinaryPrimitives.WriteInt64LittleEndian(buffer[16..], entry.RequestNo);
            BinaryPrimitives.WriteInt64LittleEndian(buffer[24..], entry.LastSeenMs);
            BinaryPrimitives.WriteInt32LittleEndian(buffer[32..], entry.Output.Length);
            stream.Write(buffer);
            stream.Write(entry.Output);
        }
    }

    public static SessionTable ReadFrom(BinaryReader reader)
    {
        var table = new SessionTable();
        var count = reader.ReadInt32();
        if (count < 0) throw new InvalidDataException("negative session count");
        for (var i = 0; i < count; i++)
        {
            var id = new Guid(reader.ReadBytes(16));
            var requestNo = reader.ReadInt64();
            var lastSeen = reader.ReadInt64();
            var length = reader.ReadInt32();
            if (length < 0) throw new InvalidDataException("negative output length");
            table._sessions[id] = new Entry(requestNo, reader.ReadBytes(length), lastSeen);
        }
        return table;
    }
}
