using System.Globalization;

namespace AkkaLockstep.PgWire.Types;

/// <summary>
/// Converts the gateway's CLR values (null, bool, long, double, string, byte[]) to what a PostgreSQL type needs,
/// with PostgreSQL's text syntax and its error codes, so a value of one SQLite storage class can be sent in a
/// column of another type (SQLite columns are dynamically typed) or fail with a proper SQLSTATE.
/// </summary>
internal static class PgValueConversions
{
    static readonly string[] TrueWords = ["t", "true", "y", "yes", "on", "1"];
    static readonly string[] FalseWords = ["f", "false", "n", "no", "off", "0"];

    public static long ToInteger(object value, uint typeOid)
    {
        var (min, max) = RangeOf(typeOid);
        long result = value switch
        {
            long l => l,
            bool b => b ? 1 : 0,
            double d when double.IsInteger(d) && d >= min && d <= max => (long)d,
            double d when double.IsInteger(d) || double.IsInfinity(d) => throw OutOfRange(FormatDouble(d), typeOid),
            double d => throw InvalidSyntax(FormatDouble(d), typeOid),
            string s => ParseInteger(s, typeOid),
            _ => throw Unconvertible(value, typeOid),
        };
        return result < min || result > max ? throw OutOfRange(result.ToString(CultureInfo.InvariantCulture), typeOid) : result;
    }

    public static double ToDouble(object value, uint typeOid) => value switch
    {
        double d => d,
        long l => l,
        string s => ParseDouble(s, typeOid),
        _ => throw Unconvertible(value, typeOid),
    };

    public static bool ToBool(object value) => value switch
    {
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => ParseBool(s),
        _ => throw Unconvertible(value, PgTypeOid.Bool),
    };

    public static byte[] ToBytes(object value) => value switch
    {
        byte[] bytes => bytes,
        _ => System.Text.Encoding.UTF8.GetBytes(ToText(value)),
    };

    /// <summary>The text form of a value in a text-like column (PostgreSQL's cast to text).</summary>
    public static string ToText(object value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatDouble(d),
        bool b => b ? "true" : "false",
        byte[] bytes => FormatBytea(bytes),
        _ => throw new PgException(PgSqlState.InternalError, $"the backend returned a value of unsupported type {value.GetType().Name}"),
    };

    public static long ParseInteger(string text, uint typeOid)
    {
        const NumberStyles Style = NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
        if (long.TryParse(text, Style, CultureInfo.InvariantCulture, out var value))
            return value;
        var trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.TrimStart('+', '-').All(char.IsAsciiDigit))
            throw OutOfRange(text, typeOid);
        throw InvalidSyntax(text, typeOid);
    }

    public static double ParseDouble(string text, uint typeOid)
    {
        var trimmed = text.Trim();
        switch (trimmed.ToLowerInvariant())
        {
            case "nan":
                return double.NaN;
            case "infinity" or "+infinity" or "inf" or "+inf":
                return double.PositiveInfinity;
            case "-infinity" or "-inf":
                return double.NegativeInfinity;
        }

        return double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw InvalidSyntax(text, typeOid);
    }

    public static bool ParseBool(string text)
    {
        var word = text.Trim().ToLowerInvariant();
        if (TrueWords.Contains(word))
            return true;
        if (FalseWords.Contains(word))
            return false;
        throw InvalidSyntax(text, PgTypeOid.Bool);
    }

    /// <summary>Shortest text that reads back as the same double, in PostgreSQL's spelling (extra_float_digits = 1).</summary>
    public static string FormatDouble(double value)
    {
        if (double.IsNaN(value))
            return "NaN";
        if (double.IsInfinity(value))
            return value > 0 ? "Infinity" : "-Infinity";
        return value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    public static string FormatFloat4(float value)
    {
        if (float.IsNaN(value))
            return "NaN";
        if (float.IsInfinity(value))
            return value > 0 ? "Infinity" : "-Infinity";
        return value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
    }

    /// <summary>bytea's hex output format.</summary>
    public static string FormatBytea(byte[] bytes) => "\\x" + Convert.ToHexStringLower(bytes);

    /// <summary>bytea input: the hex format (\x...) or the escape format (\\ and \ooo octal escapes).</summary>
    public static byte[] ParseBytea(string text)
    {
        if (text.StartsWith("\\x", StringComparison.OrdinalIgnoreCase))
        {
            var hex = string.Concat(text.AsSpan(2).ToString().Where(c => !char.IsWhiteSpace(c)));
            try
            {
                return Convert.FromHexString(hex);
            }
            catch (FormatException)
            {
                throw InvalidSyntax(text, PgTypeOid.Bytea);
            }
        }

        var bytes = new List<byte>(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var backslash = text.IndexOf('\\', i);
            var plainEnd = backslash < 0 ? text.Length : backslash;
            bytes.AddRange(System.Text.Encoding.UTF8.GetBytes(text[i..plainEnd]));
            i = plainEnd;
            if (i == text.Length)
                break;
            if (i + 1 < text.Length && text[i + 1] == '\\')
            {
                bytes.Add((byte)'\\');
                i += 2;
            }
            else if (i + 3 < text.Length && IsOctal(text[i + 1], '3') && IsOctal(text[i + 2], '7') && IsOctal(text[i + 3], '7'))
            {
                bytes.Add((byte)(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) | (text[i + 3] - '0')));
                i += 4;
            }
            else
            {
                throw InvalidSyntax(text, PgTypeOid.Bytea);
            }
        }

        return bytes.ToArray();

        static bool IsOctal(char c, char max) => c >= '0' && c <= max;
    }

    static (long Min, long Max) RangeOf(uint typeOid) => typeOid switch
    {
        PgTypeOid.Int2 => (short.MinValue, short.MaxValue),
        PgTypeOid.Int4 => (int.MinValue, int.MaxValue),
        PgTypeOid.Oid => (0, uint.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    static string SqlName(uint typeOid) => typeOid switch
    {
        PgTypeOid.Int2 => "smallint",
        PgTypeOid.Int4 => "integer",
        PgTypeOid.Int8 => "bigint",
        PgTypeOid.Float4 => "real",
        PgTypeOid.Float8 => "double precision",
        PgTypeOid.Bool => "boolean",
        _ => PgBuiltinTypes.NameOf(typeOid),
    };

    static PgException InvalidSyntax(string text, uint typeOid) =>
        new(PgSqlState.InvalidTextRepresentation, $"invalid input syntax for type {SqlName(typeOid)}: \"{text}\"");

    static PgException OutOfRange(string text, uint typeOid) =>
        new(PgSqlState.NumericValueOutOfRange, $"value \"{text}\" is out of range for type {SqlName(typeOid)}");

    static PgException Unconvertible(object value, uint typeOid) => value switch
    {
        byte[] => new(PgSqlState.InvalidTextRepresentation, $"a bytea value cannot be sent as type {SqlName(typeOid)}"),
        string or long or double or bool => new(PgSqlState.InvalidTextRepresentation, $"a {value.GetType().Name} value cannot be sent as type {SqlName(typeOid)}"),
        _ => new(PgSqlState.InternalError, $"the backend returned a value of unsupported type {value.GetType().Name}"),
    };
}
