namespace AkkaLockstep.PgWire.Tests.Sql;

public sealed class PgCommandTagsTests
{
    [Theory]
    [InlineData("select * from t", 0, 3, "SELECT 3")]
    [InlineData("VALUES (1), (2)", 0, 2, "SELECT 2")]
    [InlineData("insert into t values (1)", 1, 0, "INSERT 0 1")]
    [InlineData("INSERT INTO t SELECT 1 RETURNING id", 1, 1, "INSERT 0 1")]
    [InlineData("replace into t values (1)", 1, 0, "INSERT 0 1")]
    [InlineData("update t set a = 1", 4, 0, "UPDATE 4")]
    [InlineData("delete from t", 2, 0, "DELETE 2")]
    [InlineData("with x as (select 1) delete from t where a in (select * from x)", 5, 0, "DELETE 5")]
    [InlineData("with x as (insert into t values (1) returning a) select * from x", 1, 1, "SELECT 1")]
    [InlineData("create table t (a int)", 0, 0, "CREATE TABLE")]
    [InlineData("CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a)", 0, 0, "CREATE INDEX")]
    [InlineData("create temp table t (a int)", 0, 0, "CREATE TABLE")]
    [InlineData("drop view v", 0, 0, "DROP VIEW")]
    [InlineData("BEGIN", 0, 0, "BEGIN")]
    [InlineData("end", 0, 0, "COMMIT")]
    [InlineData("savepoint a", 0, 0, "SAVEPOINT")]
    [InlineData("pragma foreign_keys = on", 0, 0, "PRAGMA")]
    public void Tags_follow_postgresql(string sql, long affected, long returned, string tag) =>
        Assert.Equal(tag, PgCommandTags.For(sql, affected, returned));
}
