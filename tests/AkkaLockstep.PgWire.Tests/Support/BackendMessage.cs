using System.Buffers.Binary;
using System.Text;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>A backend message as a test sees it, with decoders for the fields tests look at.</summary>
internal sealed record BackendMessage(char Type, byte[] Payload)
{
    /// <summary>The single byte answering SSLRequest or GSSENCRequest.</summary>
    public const char EncryptionAnswer = '\0';

    public int Int32At(int offset) => BinaryPrimitives.ReadInt32BigEndian(Payload.AsSpan(offset));

    public short Int16At(int offset) => BinaryPrimitives.ReadInt16BigEndian(Payload.AsSpan(offset));

    /// <summary>ErrorResponse / NoticeResponse fields by code (S, V, C, M, ...).</summary>
    public Dictionary<char, string> Fields()
    {
        var fields = new Dictionary<char, string>();
        var i = 0;
        while (Payload[i] != 0)
        {
            var end = Array.IndexOf(Payload, (byte)0, i + 1);
            fields[(char)Payload[i]] = Encoding.UTF8.GetString(Payload, i + 1, end - i - 1);
            i = end + 1;
        }

        return fields;
    }

    public string SqlState => Fields()['C'];

    public string Text => Encoding.UTF8.GetString(Payload, 0, Array.IndexOf(Payload, (byte)0));

    /// <summary>DataRow values as raw bytes (null for SQL NULL).</summary>
    public List<byte[]?> Values()
    {
        var values = new List<byte[]?>();
        var count = Int16At(0);
        var offset = 2;
        for (var i = 0; i < count; i++)
        {
            var length = Int32At(offset);
            offset += 4;
            values.Add(length < 0 ? null : Payload.AsSpan(offset, length).ToArray());
            offset += Math.Max(length, 0);
        }

        return values;
    }

    public List<string?> TextValues() => Values().Select(v => v is null ? null : Encoding.UTF8.GetString(v)).ToList();

    /// <summary>RowDescription fields: name, type OID and format code.</summary>
    public List<(string Name, uint TypeOid, short Format)> Columns()
    {
        var columns = new List<(string, uint, short)>();
        var count = Int16At(0);
        var offset = 2;
        for (var i = 0; i < count; i++)
        {
            var end = Array.IndexOf(Payload, (byte)0, offset);
            var name = Encoding.UTF8.GetString(Payload, offset, end - offset);
            offset = end + 1;
            var oid = (uint)Int32At(offset + 6);
            var format = Int16At(offset + 16);
            columns.Add((name, oid, format));
            offset += 18;
        }

        return columns;
    }

    public override string ToString() => Type switch
    {
        'E' or 'N' => $"{Type}({string.Join(",", Fields().Select(f => $"{f.Key}={f.Value}"))})",
        'C' => $"C({Text})",
        'Z' => $"Z({(char)Payload[0]})",
        'D' => $"D({string.Join("|", TextValues())})",
        _ => Type.ToString(),
    };
}
