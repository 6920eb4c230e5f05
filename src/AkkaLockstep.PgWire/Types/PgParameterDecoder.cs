using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using AkkaLockstep.PgWire.Protocol;

namespace AkkaLockstep.PgWire.Types;

/// <summary>
/// Turns a Bind parameter (text or binary format, by its declared type) into the value a backend receives:
/// long, double, bool, byte[] or the PostgreSQL text form as a string (see <see cref="PgParameter"/>).
/// </summary>
internal static class PgParameterDecoder
{
    static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    /// <param name="number">1-based parameter number, for error messages.</param>
    public static object Decode(uint typeOid, short format, byte[] bytes, int number) => format switch
    {
        0 => DecodeText(typeOid, PgText.Decode(bytes)),
        1 => DecodeBinary(typeOid, bytes, number),
        _ => throw new PgException(PgSqlState.ProtocolViolation, $"unsupported format code: {format}"),
    };

    static object DecodeText(uint typeOid, string text) => typeOid switch
    {
        PgTypeOid.Int2 or PgTypeOid.Int4 or PgTypeOid.Int8 or PgTypeOid.Oid => PgValueConversions.ToInteger(
            PgValueConversions.ParseInteger(text, typeOid), typeOid),
        PgTypeOid.Float4 or PgTypeOid.Float8 => PgValueConversions.ParseDouble(text, typeOid),
        PgTypeOid.Bool => PgValueConversions.ParseBool(text),
        PgTypeOid.Bytea => PgValueConversions.ParseBytea(text),
        _ => text,
    };

    static object DecodeBinary(uint typeOid, byte[] bytes, int number)
    {
        var span = bytes.AsSpan();
        switch (typeOid)
        {
            case PgTypeOid.Bool:
                return Sized(span, 1, number)[0] != 0;
            case PgTypeOid.Int2:
                return (long)BinaryPrimitives.ReadInt16BigEndian(Sized(span, 2, number));
            case PgTypeOid.Int4:
                return (long)BinaryPrimitives.ReadInt32BigEndian(Sized(span, 4, number));
            case PgTypeOid.Oid:
                return (long)BinaryPrimitives.ReadUInt32BigEndian(Sized(span, 4, number));
            case PgTypeOid.Int8:
                return BinaryPrimitives.ReadInt64BigEndian(Sized(span, 8, number));
            case PgTypeOid.Float4:
                return (double)BinaryPrimitives.ReadSingleBigEndian(Sized(span, 4, number));
            case PgTypeOid.Float8:
                return BinaryPrimitives.ReadDoubleBigEndian(Sized(span, 8, number));
            case PgTypeOid.Bytea:
                return bytes;
            case PgTypeOid.Unspecified or PgTypeOid.Unknown or PgTypeOid.Text or PgTypeOid.Varchar or PgTypeOid.Bpchar
                or PgTypeOid.Name or PgTypeOid.Char or PgTypeOid.Json:
                return PgText.Decode(span);
            case PgTypeOid.Jsonb:
                return span.Length > 0 && span[0] == 1 ? PgText.Decode(span[1..]) : throw BadBinary(number);
            case PgTypeOid.Uuid:
                return new Guid(Sized(span, 16, number), bigEndian: true).ToString();
            case PgTypeOid.Date:
                return FormatDate(BinaryPrimitives.ReadInt32BigEndian(Sized(span, 4, number)), number);
            case PgTypeOid.Time:
                return FormatTime(BinaryPrimitives.ReadInt64BigEndian(Sized(span, 8, number)), number);
            case PgTypeOid.Timestamp:
                return FormatTimestamp(BinaryPrimitives.ReadInt64BigEndian(Sized(span, 8, number)), "", number);
            case PgTypeOid.TimestampTz:
                return FormatTimestamp(BinaryPrimitives.ReadInt64BigEndian(Sized(span, 8, number)), "+00:00", number);
            case PgTypeOid.Numeric:
                return PgNumericBinary.ToText(span) ?? throw BadBinary(number);
            default:
                throw new PgException(
                    PgSqlState.UndefinedFunction, $"no binary input function available for type {PgBuiltinTypes.NameOf(typeOid)}");
        }
    }

    static ReadOnlySpan<byte> Sized(ReadOnlySpan<byte> span, int length, int number) =>
        span.Length == length ? span : throw BadBinary(number);

    static PgException BadBinary(int number) =>
        new(PgSqlState.InvalidBinaryRepresentation, $"incorrect binary data format in bind parameter {number}");

    /// <summary>ISO date from days since 2000-01-01; PostgreSQL's infinities are the extreme int32 values.</summary>
    static string FormatDate(int days, int number) => days switch
    {
        int.MaxValue => "infinity",
        int.MinValue => "-infinity",
        _ when days >= DateOnly.MinValue.DayNumber - DateOnly.FromDateTime(Epoch).DayNumber
               && days <= DateOnly.MaxValue.DayNumber - DateOnly.FromDateTime(Epoch).DayNumber =>
            DateOnly.FromDateTime(Epoch).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => throw BadBinary(number),
    };

    static string FormatTime(long microseconds, int number) =>
        microseconds is >= 0 and <= TimeSpan.TicksPerDay / 10
            ? WithFraction(new DateTime(microseconds * 10), "HH:mm:ss", "")
            : throw BadBinary(number);

    static string FormatTimestamp(long microseconds, string suffix, int number)
    {
        if (microseconds == long.MaxValue)
            return "infinity";
        if (microseconds == long.MinValue)
            return "-infinity";
        var minimum = (DateTime.MinValue - Epoch).Ticks / 10;
        var maximum = (DateTime.MaxValue - Epoch).Ticks / 10;
        if (microseconds < minimum || microseconds > maximum)
            throw BadBinary(number);
        return WithFraction(Epoch.AddTicks(microseconds * 10), "yyyy-MM-dd HH:mm:ss", suffix);
    }

    static string WithFraction(DateTime value, string format, string suffix)
    {
        var text = new StringBuilder(value.ToString(format, CultureInfo.InvariantCulture));
        var fraction = value.Ticks % TimeSpan.TicksPerSecond / 10;
        if (fraction != 0)
            text.Append('.').Append(fraction.ToString("D6", CultureInfo.InvariantCulture).TrimEnd('0'));
        return text.Append(suffix).ToString();
    }
}
