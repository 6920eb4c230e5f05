namespace AkkaLockstep.PgWire;

/// <summary>
/// Maps SQLite's dynamic types to PostgreSQL type OIDs, for backends that run SQLite: a column's declared type
/// (by SQLite's affinity rules) and the storage classes of the values it actually returned.
/// </summary>
public static class SqliteTypeMapping
{
    /// <summary>
    /// The OID a declared column type stands for, or null when the declaration alone does not decide it (no
    /// declared type, or NUMERIC affinity such as NUMERIC, DECIMAL, DATE: SQLite stores those as integer, real or text).
    /// </summary>
    public static uint? FromDeclaredType(string? declaredType)
    {
        if (string.IsNullOrWhiteSpace(declaredType))
            return null;
        var type = declaredType.ToUpperInvariant();
        if (type.Contains("BOOL", StringComparison.Ordinal))
            return PgTypeOid.Bool;
        if (type.Contains("INT", StringComparison.Ordinal))
            return PgTypeOid.Int8;
        if (type.Contains("CHAR", StringComparison.Ordinal) || type.Contains("CLOB", StringComparison.Ordinal) || type.Contains("TEXT", StringComparison.Ordinal))
            return PgTypeOid.Text;
        if (type.Contains("BLOB", StringComparison.Ordinal))
            return PgTypeOid.Bytea;
        if (type.Contains("REAL", StringComparison.Ordinal) || type.Contains("FLOA", StringComparison.Ordinal) || type.Contains("DOUB", StringComparison.Ordinal))
            return PgTypeOid.Float8;
        return null;
    }

    /// <summary>The OID of one value's storage class: integer → int8, real → float8, text → text, blob → bytea (bool → bool).</summary>
    public static uint FromValue(object value) => value switch
    {
        long => PgTypeOid.Int8,
        double => PgTypeOid.Float8,
        byte[] => PgTypeOid.Bytea,
        bool => PgTypeOid.Bool,
        _ => PgTypeOid.Text,
    };

    /// <summary>
    /// The OID for a result column: its declared type when every returned value fits it, otherwise the one storage
    /// class of its values (integer and real together become float8), otherwise text, which can show any value.
    /// A column of only NULLs with no usable declared type is text.
    /// </summary>
    public static uint ForColumn(string? declaredType, IEnumerable<object?> values)
    {
        var classes = values.OfType<object>().Select(FromValue).ToHashSet();
        var declared = FromDeclaredType(declaredType);
        if (declared is { } type && classes.All(c => Fits(c, type)))
            return type;
        if (classes.Count == 0)
            return PgTypeOid.Text;
        if (classes.Count == 1)
            return classes.First();
        return classes.SetEquals([PgTypeOid.Int8, PgTypeOid.Float8]) ? PgTypeOid.Float8 : PgTypeOid.Text;
    }

    /// <summary>The OID for Describe of a statement, before any value exists: the declared type, else text.</summary>
    public static uint ForDescribe(string? declaredType) => FromDeclaredType(declaredType) ?? PgTypeOid.Text;

    static bool Fits(uint valueClass, uint columnType) => columnType switch
    {
        PgTypeOid.Text => valueClass != PgTypeOid.Bytea,
        PgTypeOid.Float8 => valueClass is PgTypeOid.Float8 or PgTypeOid.Int8,
        PgTypeOid.Bool => valueClass is PgTypeOid.Bool or PgTypeOid.Int8,
        _ => valueClass == columnType,
    };
}
