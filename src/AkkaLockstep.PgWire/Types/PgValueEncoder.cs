using AkkaLockstep.PgWire.Protocol;

namespace AkkaLockstep.PgWire.Types;

/// <summary>Writes result values in a column's type: text format for any type, binary format for the types listed here.</summary>
internal static class PgValueEncoder
{
    static readonly HashSet<uint> BinaryTypes =
    [
        PgTypeOid.Bool, PgTypeOid.Bytea, PgTypeOid.Char, PgTypeOid.Name, PgTypeOid.Int8, PgTypeOid.Int2, PgTypeOid.Int4,
        PgTypeOid.Text, PgTypeOid.Oid, PgTypeOid.Json, PgTypeOid.Float4, PgTypeOid.Float8, PgTypeOid.Unknown,
        PgTypeOid.Bpchar, PgTypeOid.Varchar, PgTypeOid.Void, PgTypeOid.Jsonb,
    ];

    public static bool SupportsBinary(uint typeOid) => BinaryTypes.Contains(typeOid);

    /// <summary>One DataRow; if a value cannot be represented in its column's type nothing is written and PgException is thrown.</summary>
    public static void WriteDataRow(PgBackendWriter writer, object?[] row, IReadOnlyList<PgColumn> columns, IReadOnlyList<short> formats)
    {
        if (row.Length != columns.Count)
            throw new PgException(PgSqlState.InternalError, $"the backend returned a row of {row.Length} values for {columns.Count} columns");
        var start = writer.BeginMessage((byte)'D');
        try
        {
            writer.WriteInt16((short)columns.Count);
            for (var i = 0; i < row.Length; i++)
                WriteValue(writer, row[i], columns[i].TypeOid, formats[i]);
            writer.EndMessage(start);
        }
        catch
        {
            writer.Truncate(start);
            throw;
        }
    }

    public static string ToText(object value, uint typeOid) => typeOid switch
    {
        PgTypeOid.Bool => PgValueConversions.ToBool(value) ? "t" : "f",
        PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid =>
            PgValueConversions.ToInteger(value, typeOid).ToString(System.Globalization.CultureInfo.InvariantCulture),
        PgTypeOid.Float4 => PgValueConversions.FormatFloat4((float)PgValueConversions.ToDouble(value, typeOid)),
        PgTypeOid.Float8 => PgValueConversions.FormatDouble(PgValueConversions.ToDouble(value, typeOid)),
        PgTypeOid.Bytea => PgValueConversions.FormatBytea(PgValueConversions.ToBytes(value)),
        PgTypeOid.Void => "",
        _ => PgValueConversions.ToText(value),
    };

    static void WriteValue(PgBackendWriter writer, object? value, uint typeOid, short format)
    {
        if (value is null)
        {
            writer.WriteInt32(-1);
            return;
        }

        var lengthAt = writer.ReserveInt32();
        if (format == 0)
            writer.WriteUtf8(ToText(value, typeOid));
        else
            WriteBinary(writer, value, typeOid);
        writer.PatchInt32(lengthAt, writer.Length - lengthAt - 4);
    }

    static void WriteBinary(PgBackendWriter writer, object value, uint typeOid)
    {
        switch (typeOid)
        {
            case PgTypeOid.Bool:
                writer.WriteByte(PgValueConversions.ToBool(value) ? (byte)1 : (byte)0);
                break;
            case PgTypeOid.Int2:
                writer.WriteInt16((short)PgValueConversions.ToInteger(value, typeOid));
                break;
            case PgTypeOid.Int4:
            case PgTypeOid.Oid:
                writer.WriteInt32(unchecked((int)PgValueConversions.ToInteger(value, typeOid)));
                break;
            case PgTypeOid.Int8:
                writer.WriteInt64(PgValueConversions.ToInteger(value, typeOid));
                break;
            case PgTypeOid.Float4:
                writer.WriteInt32(BitConverter.SingleToInt32Bits((float)PgValueConversions.ToDouble(value, typeOid)));
                break;
            case PgTypeOid.Float8:
                writer.WriteInt64(BitConverter.DoubleToInt64Bits(PgValueConversions.ToDouble(value, typeOid)));
                break;
            case PgTypeOid.Bytea:
                writer.WriteBytes(PgValueConversions.ToBytes(value));
                break;
            case PgTypeOid.Void:
                break;
            case PgTypeOid.Jsonb:
                writer.WriteByte(1);
                writer.WriteUtf8(PgValueConversions.ToText(value));
                break;
            default:
                if (!SupportsBinary(typeOid))
                    throw NoBinaryOutput(typeOid);
                writer.WriteUtf8(PgValueConversions.ToText(value));
                break;
        }
    }

    public static PgException NoBinaryOutput(uint typeOid) =>
        new(PgSqlState.UndefinedFunction, $"no binary output function available for type {PgBuiltinTypes.NameOf(typeOid)}");
}
