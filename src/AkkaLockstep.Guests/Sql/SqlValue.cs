using System.Globalization;

namespace AkkaLockstep.Guests.Sql;

/// <summary>The storage classes of SQLite, used for parameters and result values alike.</summary>
public enum SqlValueKind : byte { Null = 0, Integer = 1, Real = 2, Text = 3, Blob = 4 }

/// <summary>
/// One typed SQL value: null, a 64-bit integer, a double, UTF-8 text or a blob. Equality is exact: reals compare
/// by their bits (so 0.0 and -0.0 differ), blobs and text by content.
/// </summary>
public readonly struct SqlValue : IEquatable<SqlValue>
{
    private readonly long _bits;
    private readonly object? _reference;

    private SqlValue(SqlValueKind kind, long bits, object? reference)
    {
        Kind = kind;
        _bits = bits;
        _reference = reference;
    }

    public SqlValueKind Kind { get; }

    public bool IsNull => Kind == SqlValueKind.Null;

    public static SqlValue Null => default;

    public static SqlValue Integer(long value) => new(SqlValueKind.Integer, value, null);

    public static SqlValue Real(double value) => new(SqlValueKind.Real, BitConverter.DoubleToInt64Bits(value), null);

    /// <summary>A text value; a null string gives <see cref="Null"/>.</summary>
    public static SqlValue Text(string? value) => value is null ? Null : new(SqlValueKind.Text, 0, value);

    /// <summary>A blob value (the array is kept, not copied); a null array gives <see cref="Null"/>.</summary>
    public static SqlValue Blob(byte[]? value) => value is null ? Null : new(SqlValueKind.Blob, 0, value);

    public long AsInteger => Kind == SqlValueKind.Integer ? _bits : throw WrongKind(SqlValueKind.Integer);

    public double AsReal => Kind == SqlValueKind.Real ? BitConverter.Int64BitsToDouble(_bits) : throw WrongKind(SqlValueKind.Real);

    public string AsText => Kind == SqlValueKind.Text ? (string)_reference! : throw WrongKind(SqlValueKind.Text);

    public byte[] AsBlob => Kind == SqlValueKind.Blob ? (byte[])_reference! : throw WrongKind(SqlValueKind.Blob);

    /// <summary>The value as a CLR object: null, long, double, string or byte[].</summary>
    public object? ToObject() => Kind switch
    {
        SqlValueKind.Integer => _bits,
        SqlValueKind.Real => AsReal,
        SqlValueKind.Text or SqlValueKind.Blob => _reference,
        _ => null,
    };

    public static implicit operator SqlValue(long value) => Integer(value);

    public static implicit operator SqlValue(double value) => Real(value);

    public static implicit operator SqlValue(string? value) => Text(value);

    public static implicit operator SqlValue(byte[]? value) => Blob(value);

    public bool Equals(SqlValue other) => Kind == other.Kind && Kind switch
    {
        SqlValueKind.Null => true,
        SqlValueKind.Integer or SqlValueKind.Real => _bits == other._bits,
        SqlValueKind.Text => string.Equals((string)_reference!, (string)other._reference!, StringComparison.Ordinal),
        SqlValueKind.Blob => ((byte[])_reference!).AsSpan().SequenceEqual((byte[])other._reference!),
        _ => false,
    };

    public override bool Equals(object? obj) => obj is SqlValue other && Equals(other);

    public override int GetHashCode() => Kind switch
    {
        SqlValueKind.Integer or SqlValueKind.Real => HashCode.Combine(Kind, _bits),
        SqlValueKind.Text => HashCode.Combine(Kind, ((string)_reference!).GetHashCode(StringComparison.Ordinal)),
        SqlValueKind.Blob => HashCode.Combine(Kind, ((byte[])_reference!).Length),
        _ => 0,
    };

    public static bool operator ==(SqlValue left, SqlValue right) => left.Equals(right);

    public static bool operator !=(SqlValue left, SqlValue right) => !left.Equals(right);

    public override string ToString() => Kind switch
    {
        SqlValueKind.Null => "NULL",
        SqlValueKind.Integer => _bits.ToString(CultureInfo.InvariantCulture),
        SqlValueKind.Real => AsReal.ToString("R", CultureInfo.InvariantCulture),
        SqlValueKind.Text => "'" + ((string)_reference!).Replace("'", "''") + "'",
        _ => "x'" + Convert.ToHexString((byte[])_reference!) + "'",
    };

    private InvalidOperationException WrongKind(SqlValueKind wanted) => new($"sql value is {Kind}, not {wanted}");
}
