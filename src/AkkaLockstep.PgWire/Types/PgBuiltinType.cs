namespace AkkaLockstep.PgWire.Types;

/// <summary>One row of the gateway's emulated pg_type: enough for RowDescription and for drivers' type loading.</summary>
internal sealed record PgBuiltinType(uint Oid, string Name, short Length, char Kind);

/// <summary>The base and pseudo types the gateway reports; every OID it sends in a RowDescription is one of these.</summary>
internal static class PgBuiltinTypes
{
    public static readonly IReadOnlyList<PgBuiltinType> All =
    [
        new(PgTypeOid.Bool, "bool", 1, 'b'),
        new(PgTypeOid.Bytea, "bytea", -1, 'b'),
        new(PgTypeOid.Char, "char", 1, 'b'),
        new(PgTypeOid.Name, "name", 64, 'b'),
        new(PgTypeOid.Int8, "int8", 8, 'b'),
        new(PgTypeOid.Int2, "int2", 2, 'b'),
        new(PgTypeOid.Int4, "int4", 4, 'b'),
        new(PgTypeOid.Text, "text", -1, 'b'),
        new(PgTypeOid.Oid, "oid", 4, 'b'),
        new(PgTypeOid.Json, "json", -1, 'b'),
        new(PgTypeOid.Float4, "float4", 4, 'b'),
        new(PgTypeOid.Float8, "float8", 8, 'b'),
        new(PgTypeOid.Bpchar, "bpchar", -1, 'b'),
        new(PgTypeOid.Varchar, "varchar", -1, 'b'),
        new(PgTypeOid.Date, "date", 4, 'b'),
        new(PgTypeOid.Time, "time", 8, 'b'),
        new(PgTypeOid.Timestamp, "timestamp", 8, 'b'),
        new(PgTypeOid.TimestampTz, "timestamptz", 8, 'b'),
        new(PgTypeOid.Numeric, "numeric", -1, 'b'),
        new(PgTypeOid.Uuid, "uuid", 16, 'b'),
        new(PgTypeOid.Jsonb, "jsonb", -1, 'b'),
        new(PgTypeOid.Unknown, "unknown", -2, 'p'),
        new(PgTypeOid.Record, "record", -1, 'p'),
        new(PgTypeOid.Void, "void", 4, 'p'),
    ];

    static readonly Dictionary<uint, PgBuiltinType> ByOid = All.ToDictionary(t => t.Oid);

    /// <summary>pg_type.typlen of a type; -1 (variable length) for OIDs the gateway does not know.</summary>
    public static short LengthOf(uint oid) => ByOid.TryGetValue(oid, out var type) ? type.Length : (short)-1;

    public static string NameOf(uint oid) => ByOid.TryGetValue(oid, out var type) ? type.Name : oid.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
