namespace AkkaLockstep.PgWire.Tests.Types;

public sealed class SqliteTypeMappingTests
{
    [Theory]
    [InlineData("INTEGER", PgTypeOid.Int8)]
    [InlineData("bigint", PgTypeOid.Int8)]
    [InlineData("VARCHAR(20)", PgTypeOid.Text)]
    [InlineData("TEXT", PgTypeOid.Text)]
    [InlineData("BLOB", PgTypeOid.Bytea)]
    [InlineData("REAL", PgTypeOid.Float8)]
    [InlineData("double precision", PgTypeOid.Float8)]
    [InlineData("BOOLEAN", PgTypeOid.Bool)]
    public void Declared_types_follow_sqlite_affinity(string declared, uint oid) =>
        Assert.Equal(oid, SqliteTypeMapping.FromDeclaredType(declared));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("NUMERIC")]
    [InlineData("DATETIME")]
    public void Undecided_declared_types_give_null(string? declared) => Assert.Null(SqliteTypeMapping.FromDeclaredType(declared));

    [Fact]
    public void Columns_use_the_declared_type_when_the_values_fit_it_else_their_storage_class()
    {
        Assert.Equal(PgTypeOid.Int8, SqliteTypeMapping.ForColumn("INTEGER", [1L, null, 3L]));
        Assert.Equal(PgTypeOid.Int8, SqliteTypeMapping.ForColumn("INTEGER", [null]));
        Assert.Equal(PgTypeOid.Text, SqliteTypeMapping.ForColumn("INTEGER", [1L, "x"]));
        Assert.Equal(PgTypeOid.Float8, SqliteTypeMapping.ForColumn(null, [1L, 2.5]));
        Assert.Equal(PgTypeOid.Float8, SqliteTypeMapping.ForColumn("REAL", [1L]));
        Assert.Equal(PgTypeOid.Int8, SqliteTypeMapping.ForColumn(null, [1L, 2L]));
        Assert.Equal(PgTypeOid.Int8, SqliteTypeMapping.ForColumn("NUMERIC", [7L]));
        Assert.Equal(PgTypeOid.Bytea, SqliteTypeMapping.ForColumn(null, [new byte[] { 1 }]));
        Assert.Equal(PgTypeOid.Text, SqliteTypeMapping.ForColumn(null, [null, null]));
        Assert.Equal(PgTypeOid.Text, SqliteTypeMapping.ForColumn("BLOB", ["text in a blob column"]));
        Assert.Equal(PgTypeOid.Bool, SqliteTypeMapping.ForColumn("BOOLEAN", [0L, 1L]));
        Assert.Equal(PgTypeOid.Text, SqliteTypeMapping.ForColumn(null, [1L, new byte[] { 1 }]));
    }

    [Theory]
    [InlineData(2067, "UNIQUE constraint failed: t.a", "23505")]
    [InlineData(1555, "UNIQUE constraint failed: t.id", "23505")]
    [InlineData(1299, "NOT NULL constraint failed: t.a", "23502")]
    [InlineData(787, "FOREIGN KEY constraint failed", "23503")]
    [InlineData(275, "CHECK constraint failed: c", "23514")]
    [InlineData(1, "no such table: missing", "42P01")]
    [InlineData(1, "no such column: x", "42703")]
    [InlineData(1, "near \"selec\": syntax error", "42601")]
    [InlineData(1, "table t already exists", "42P07")]
    [InlineData(5, "database is locked", "55P03")]
    [InlineData(9, "interrupted", "57014")]
    public void Sqlite_errors_map_to_sqlstates(int code, string message, string sqlState) =>
        Assert.Equal(sqlState, SqliteErrorMapping.ToSqlState(code, message));
}
