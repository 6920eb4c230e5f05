using AkkaLockstep.PgWire.Sql;

namespace AkkaLockstep.PgWire.Tests.Sql;

public sealed class SqlScriptTests
{
    [Fact]
    public void Splits_at_top_level_semicolons_only()
    {
        const string Script = """
            select 'a;b', "c;d";
            select $$x;y$$, $tag$ ; $$ ; $tag$;
            -- a comment; with a semicolon
            select /* outer ; /* nested ; */ still comment ; */ 1;
            select E'it\'s;', 'it''s;';
            ;;
            select 2
            """;

        var statements = SqlScript.Split(Script);

        Assert.Equal(
        [
            "select 'a;b', \"c;d\"",
            "select $$x;y$$, $tag$ ; $$ ; $tag$",
            "select /* outer ; /* nested ; */ still comment ; */ 1",
            "select E'it\\'s;', 'it''s;'",
            "select 2",
        ], statements);
    }

    [Theory]
    [InlineData("select 'unterminated; select 2", 1)]
    [InlineData("select $$unterminated; select 2", 1)]
    [InlineData("select 1 /* unterminated; select 2", 1)]
    [InlineData("select a$1; select 2", 2)]
    public void Unterminated_constructs_run_to_the_end(string sql, int count) => Assert.Equal(count, SqlScript.Split(sql).Count);

    [Theory]
    [InlineData("select $1, $3", 3)]
    [InlineData("select '$5', $2 -- $9", 2)]
    [InlineData("select 1", 0)]
    [InlineData("select $70000", -1)]
    public void Parameter_count_is_the_highest_placeholder(string sql, int count) =>
        Assert.Equal(count, SqlScript.ParameterCount(sql, SqlTokenizer.Tokenize(sql)));

    [Theory]
    [InlineData("BEGIN", "BEGIN", "Begin")]
    [InlineData("begin transaction isolation level read committed", "BEGIN", "Begin")]
    [InlineData("START TRANSACTION READ WRITE", "BEGIN", "Begin")]
    [InlineData("END", "COMMIT", "Commit")]
    [InlineData("commit work", "COMMIT", "Commit")]
    [InlineData("ABORT", "ROLLBACK", "Rollback")]
    [InlineData("rollback and no chain", "ROLLBACK", "Rollback")]
    [InlineData("ROLLBACK TO SAVEPOINT sp1", "ROLLBACK TO SAVEPOINT sp1", "RollbackToSavepoint")]
    [InlineData("SAVEPOINT sp1", "SAVEPOINT sp1", "None")]
    [InlineData("select pg_sleep(1)", "select pg_sleep(1)", "None")]
    public void Transaction_control_reaches_the_backend_in_canonical_form(string sql, string canonical, string control)
    {
        var planned = Assert.IsType<BackendStatement>(StatementPlanner.Plan(sql));

        Assert.Equal(canonical, planned.Sql);
        Assert.Equal(control, planned.Control.ToString());
    }

    [Theory]
    [InlineData("SET search_path TO app, public", "search_path", "app, public")]
    [InlineData("set extra_float_digits = 3", "extra_float_digits", "3")]
    [InlineData("SET TIME ZONE 'Europe/Paris'", "timezone", "Europe/Paris")]
    [InlineData("SET LOCAL statement_timeout = '5s'", "statement_timeout", "5s")]
    [InlineData("SET NAMES 'UTF8'", "client_encoding", "UTF8")]
    [InlineData("SET \"Foo\".bar = on", "Foo.bar", "on")]
    [InlineData("SET application_name TO DEFAULT", "application_name", null)]
    public void Set_statements_are_parsed(string sql, string name, string? value)
    {
        var set = Assert.IsType<SetCommand>(StatementPlanner.Plan(sql));

        Assert.Equal(name, set.Name);
        Assert.Equal(value, set.Value);
    }

    [Theory]
    [InlineData("SHOW TIME ZONE", "timezone")]
    [InlineData("show transaction isolation level", "transaction_isolation")]
    [InlineData("SHOW ALL", "all")]
    [InlineData("SHOW DateStyle", "datestyle")]
    public void Show_statements_are_parsed(string sql, string name) =>
        Assert.Equal(name, Assert.IsType<ShowCommand>(StatementPlanner.Plan(sql)).Name);

    [Theory]
    [InlineData("select * from pg_catalog.pg_type")]
    [InlineData("SELECT c.relname FROM pg_class c")]
    [InlineData("select table_name from information_schema.tables")]
    public void Unsupported_catalog_queries_are_refused(string sql) =>
        Assert.Equal(PgSqlState.FeatureNotSupported, Assert.IsType<RejectedStatement>(StatementPlanner.Plan(sql)).Error.SqlState);

    [Theory]
    [InlineData("select 'pg_class'")]
    [InlineData("select \"pg_class\" from t")]
    [InlineData("select pg_sleep(0.1)")]
    public void Catalog_names_in_strings_identifiers_and_function_calls_are_not_catalog_queries(string sql) =>
        Assert.IsType<BackendStatement>(StatementPlanner.Plan(sql));
}
