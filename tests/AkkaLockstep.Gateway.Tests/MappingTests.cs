using AkkaLockstep.Guests.Sql;
using AkkaLockstep.PgWire;

namespace AkkaLockstep.Gateway.Tests;

public sealed class MappingTests
{
    [Fact]
    public void Parameters_become_sql_values_and_booleans_integers()
    {
        var values = SqlValueMapping.ToSqlValues(
        [
            new(PgTypeOid.Int4, 7L), new(PgTypeOid.Float8, 2.5), new(PgTypeOid.Bool, true), new(PgTypeOid.Bool, false),
            new(PgTypeOid.Bytea, new byte[] { 1, 2 }), new(PgTypeOid.Text, "ü"), new(PgTypeOid.Unspecified, null),
        ]);
        Assert.Equal([SqlValue.Integer(7), SqlValue.Real(2.5), SqlValue.Integer(1), SqlValue.Integer(0),
            SqlValue.Blob([1, 2]), SqlValue.Text("ü"), SqlValue.Null], values);
    }

    [Fact]
    public void A_parameter_value_of_another_type_is_refused_with_its_position()
    {
        var error = Assert.Throws<PgException>(() => SqlValueMapping.ToSqlValues([new(PgTypeOid.Text, "a"), new(PgTypeOid.Text, 1.5m)]));
        Assert.Equal(PgSqlState.FeatureNotSupported, error.SqlState);
        Assert.Contains("$2", error.Message);
    }

    [Fact]
    public void Rows_are_typed_by_declared_type_when_the_values_fit_and_by_storage_class_otherwise()
    {
        var result = SqlResult.Ok(SqlTransactionState.InTransaction, "SELECT 2", 0,
            [new("id", "INTEGER"), new("odd", "INTEGER"), new("n", ""), new("nothing", "")],
            [
                [SqlValue.Integer(1), SqlValue.Text("x"), SqlValue.Real(1.5), SqlValue.Null],
                [SqlValue.Integer(2), SqlValue.Integer(3), SqlValue.Integer(2), SqlValue.Null],
            ]);
        var pg = SqlResultMapping.ToPg(result, "SELECT …");
        Assert.Null(pg.Error);
        Assert.Equal(("SELECT 2", PgTransactionStatus.InTransaction), (pg.CommandTag, pg.TransactionStatus));
        Assert.Equal([new("id", PgTypeOid.Int8), new("odd", PgTypeOid.Text), new("n", PgTypeOid.Float8), new("nothing", PgTypeOid.Text)], pg.Columns);
        Assert.Equal([1L, "x", 1.5, null], pg.Rows[0]);
    }

    [Fact]
    public void Commands_errors_and_transaction_states_map_across()
    {
        var insert = SqlResultMapping.ToPg(SqlResult.Ok(SqlTransactionState.Idle, "INSERT 0 3", 3), "INSERT …");
        Assert.Equal(("INSERT 0 3", PgTransactionStatus.Idle), (insert.CommandTag, insert.TransactionStatus));
        Assert.Null(insert.Columns);

        // A statement the guest gives no tag (an empty one) gets PgWire's tag for its text.
        Assert.Equal("UPDATE 0", SqlResultMapping.ToPg(SqlResult.Ok(SqlTransactionState.Idle, ""), "UPDATE t SET x = 1").CommandTag);

        var failed = SqlResultMapping.ToPg(SqlResult.Error(SqlTransactionState.Failed, "23505", "UNIQUE constraint failed: t.id"), "INSERT …");
        Assert.Equal(new PgError("23505", "UNIQUE constraint failed: t.id"), failed.Error);
        Assert.Equal(PgTransactionStatus.Failed, failed.TransactionStatus);
    }

    [Fact]
    public void A_description_uses_declared_types_alone_and_none_for_statements_without_rows()
    {
        var described = SqlResultMapping.ToDescription(SqlResult.Ok(SqlTransactionState.Idle, "DESCRIBE", 0, [new("id", "INTEGER"), new("c", "")]));
        Assert.Equal([new("id", PgTypeOid.Int8), new("c", PgTypeOid.Text)], described);
        Assert.Null(SqlResultMapping.ToDescription(SqlResult.Ok(SqlTransactionState.Idle, "DESCRIBE")));
        Assert.Equal("42P01", Assert.Throws<PgException>(() => SqlResultMapping.ToDescription(
            SqlResult.Error(SqlTransactionState.Idle, "42P01", "no such table: x"))).SqlState);
    }
}
