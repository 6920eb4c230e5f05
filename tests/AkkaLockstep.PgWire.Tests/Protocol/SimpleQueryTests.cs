using AkkaLockstep.PgWire.Tests.Support;
using static AkkaLockstep.PgWire.Tests.Protocol.StartupTests;
using static AkkaLockstep.PgWire.Tests.Support.InMemoryConnection;

namespace AkkaLockstep.PgWire.Tests.Protocol;

public sealed class SimpleQueryTests
{
    [Fact]
    public async Task Runs_each_statement_of_a_query_with_text_results()
    {
        var messages = await QueryAsync("select 1; insert into t values (1);select 'a;b' -- ; comment\n;");

        Assert.Equal("TDDDCCTDDDCZ", messages.Types());
        Assert.Equal("C(SELECT 3)", messages[4].ToString());
        Assert.Equal("C(INSERT 0 1)", messages[5].ToString());
        Assert.All(messages[0].Columns(), c => Assert.Equal(0, c.Format));
        Assert.Equal(["1", "row1", "0.5"], messages[1].TextValues());
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ;; ")]
    [InlineData("-- only a comment")]
    public async Task An_empty_query_gets_EmptyQueryResponse(string sql) =>
        Assert.Equal("IZ", (await QueryAsync(sql)).Types());

    [Fact]
    public async Task The_first_error_stops_the_remaining_statements()
    {
        var messages = await QueryAsync("select 1; select fail; select 2");

        Assert.Equal("TDDDCEZ", messages.Types());
        Assert.Equal("42P01", messages[5].SqlState);
        Assert.Equal("ERROR", messages[5].Fields()['S']);
    }

    [Fact]
    public async Task An_error_inside_a_transaction_fails_it_until_rollback_and_commit_then_rolls_back()
    {
        var messages = (await RunAsync(Connected()
            .Query("begin isolation level read committed")
            .Query("select fail")
            .Query("select 1")
            .Query("commit")
            .Query("select 1")
            .Terminate())).Messages.AfterStartup();

        Assert.Equal(
            ["C(BEGIN)", "Z(T)", "E", "Z(E)", "E", "Z(E)", "C(ROLLBACK)", "Z(I)"],
            messages.Take(8).Select(m => m.Type == 'E' ? "E" : m.ToString()));
        Assert.Equal("25P02", messages[4].SqlState);
        Assert.Equal("Z(I)", messages[^1].ToString());
    }

    [Fact]
    public async Task Set_show_and_reset_are_answered_by_the_gateway_and_report_parameter_status()
    {
        var messages = await QueryAsync(
            "SET application_name = 'my app'; SHOW application_name; SET SESSION DateStyle TO ISO, DMY; SHOW datestyle; RESET ALL; SHOW DateStyle");

        Assert.Equal("C(SET)", messages[0].ToString());
        Assert.Equal(["my app"], messages[2].TextValues());
        Assert.Equal("DateStyle", messages[5].Columns()[0].Name);
        Assert.Equal(["ISO, DMY"], messages[6].TextValues());
        Assert.Equal("C(RESET)", messages[8].ToString());
        Assert.Equal(["ISO, MDY"], messages[10].TextValues());
        var reports = messages.Where(m => m.Type == 'S').Select(m => m.Text).ToList();
        Assert.Contains("application_name", reports);
        Assert.Contains("DateStyle", reports);
        Assert.Equal('Z', messages[^1].Type);
        Assert.True(messages.FindIndex(m => m.Type == 'S') > messages.FindLastIndex(m => m.Type == 'C'));
    }

    [Theory]
    [InlineData("SHOW no_such_setting", "42704")]
    [InlineData("SET server_version = '9'", "55P02")]
    [InlineData("SET client_encoding TO 'LATIN1'", "22023")]
    [InlineData("COPY t FROM STDIN", "0A000")]
    [InlineData("LISTEN channel", "0A000")]
    [InlineData("SELECT relname FROM pg_class", "0A000")]
    [InlineData("SELECT * FROM information_schema.tables", "0A000")]
    [InlineData("SET", "42601")]
    public async Task Statements_the_gateway_refuses_get_an_error(string sql, string sqlState)
    {
        var messages = await QueryAsync(sql);

        Assert.Equal("EZ", messages.Types());
        Assert.Equal(sqlState, messages[0].SqlState);
    }

    [Theory]
    [InlineData("DISCARD ALL", "DISCARD ALL")]
    [InlineData("DEALLOCATE ALL", "DEALLOCATE ALL")]
    [InlineData("CLOSE ALL", "CLOSE CURSOR ALL")]
    [InlineData("UNLISTEN *", "UNLISTEN")]
    [InlineData("SET SESSION AUTHORIZATION DEFAULT", "SET")]
    [InlineData("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SET")]
    [InlineData("RESET TIME ZONE", "RESET")]
    public async Task Connection_reset_statements_succeed(string sql, string tag) =>
        Assert.Equal($"C({tag})", (await QueryAsync(sql))[0].ToString());

    [Fact]
    public async Task Catalog_functions_are_answered_from_the_session()
    {
        var messages = await QueryAsync(
            "select version(); SELECT pg_catalog.current_setting('TimeZone'); select current_database(); select current_user; select pg_advisory_unlock_all()");

        var rows = messages.Where(m => m.Type == 'D').Select(m => m.TextValues()[0]).ToList();
        Assert.StartsWith("PostgreSQL 15.0 (AkkaLockstep)", rows[0]);
        Assert.Equal(["UTC", "db", "u", ""], rows.Skip(1));
    }

    [Fact]
    public async Task Npgsql_type_loading_query_lists_the_builtin_types()
    {
        var messages = await QueryAsync("""
            SELECT version();

            SELECT ns.nspname, t.oid, t.typname, t.typtype, t.typnotnull, t.elemtypoid
            FROM (
                -- Arrays have typtype=b - this subquery identifies them
                SELECT typ.oid FROM pg_type AS typ
            ) AS t
            JOIN pg_namespace AS ns ON (ns.oid = typnamespace);

            -- Load field definitions for (free-standing) composite types
            SELECT typ.oid, att.attname, att.atttypid
            FROM pg_type AS typ JOIN pg_attribute AS att ON (att.attrelid = typ.typrelid);

            -- Load enum fields
            SELECT typ.oid, enumlabel
            FROM pg_enum JOIN pg_type AS typ ON typ.oid = enumtypid;
            """);

        Assert.Equal("TDCT" + new string('D', messages.Count(m => m.Type == 'D') - 1) + "CTCTCZ", messages.Types());
        var types = messages.Where(m => m.Type == 'D').Skip(1).Select(m => m.TextValues()).ToList();
        Assert.Contains(types, t => t[1] == "20" && t[2] == "int8" && t[3] == "b" && t[4] == "f");
        Assert.Contains(types, t => t[1] == "17" && t[2] == "bytea");
        Assert.All(types, t => Assert.Equal("pg_catalog", t[0]));
    }

    [Fact]
    public async Task Copy_messages_outside_copy_are_ignored_and_function_calls_refused()
    {
        var messages = (await RunAsync(Connected()
            .Typed('d', [1, 2, 3])
            .Typed('c', [])
            .Typed('F', [0, 0, 0, 1])
            .Sync()
            .Terminate())).Messages.AfterStartup();

        Assert.Equal("EZ", messages.Types());
        Assert.Equal("0A000", messages[0].SqlState);
    }

    [Fact]
    public async Task A_query_without_terminator_is_an_error_and_the_connection_goes_on()
    {
        var (end, messages) = await RunAsync(Connected().Typed('Q', "select 1"u8.ToArray()).Query("select 2").Terminate());

        Assert.Equal(PgConnectionEnd.Terminated, end);
        Assert.Equal("EZTDDDCZ", messages.AfterStartup().Types());
        Assert.Equal("08P01", messages.AfterStartup()[0].SqlState);
    }

    [Fact]
    public async Task An_unknown_message_type_ends_the_connection()
    {
        var (end, messages) = await RunAsync(Connected().Typed('@', []).Query("select 1"));

        Assert.Equal(PgConnectionEnd.ProtocolViolation, end);
        AssertFatal(messages[^1], "08P01");
    }

    [Fact]
    public async Task An_oversized_message_ends_the_connection_before_its_payload_is_read()
    {
        var oversized = new FrontendWriter().Raw([(byte)'Q', .. FrontendWriter.Int32(64 * 1024 + 5)]);
        var (end, messages) = await RunAsync(TrustGateway(), [.. Connected().ToArray(), .. oversized.ToArray()]);

        Assert.Equal(PgConnectionEnd.ProtocolViolation, end);
        AssertFatal(messages[^1], "54000");
    }

    [Fact]
    public async Task A_message_cut_short_by_the_client_is_a_disconnect()
    {
        var (end, messages) = await RunAsync(TrustGateway(), [.. Connected().ToArray(), (byte)'Q', 0, 0, 0, 20, (byte)'s']);

        Assert.Equal(PgConnectionEnd.Disconnected, end);
        Assert.Equal('Z', messages[^1].Type);
    }

    [Fact]
    public async Task Several_statements_for_the_backend_go_to_it_in_one_call_and_are_answered_in_order()
    {
        var backend = new InMemoryBackend();
        var (_, messages) = await RunAsync(TrustGateway(backend),
            Connected().Query("begin; insert into t values (1); select 1; commit").Terminate().ToArray());

        Assert.Equal(["BEGIN", "insert into t values (1)", "select 1", "COMMIT"], Assert.Single(backend.Batches));
        Assert.Equal("CCTDDDCCZ", messages.AfterStartup().Types());
        Assert.Equal("C(COMMIT)", messages.AfterStartup()[^2].ToString());
        Assert.Equal("Z(I)", messages[^1].ToString());
    }

    [Fact]
    public async Task A_batch_stops_at_its_first_error_and_fails_an_open_transaction()
    {
        var backend = new InMemoryBackend();
        var (_, messages) = await RunAsync(TrustGateway(backend),
            Connected().Query("begin; select fail; select 2").Query("select 3").Query("rollback").Terminate().ToArray());

        Assert.Single(backend.Batches);
        var after = messages.AfterStartup();
        Assert.Equal(["C(BEGIN)", "E", "Z(E)", "E", "Z(E)", "C(ROLLBACK)", "Z(I)"], after.Select(m => m.Type == 'E' ? "E" : m.ToString()));
        Assert.Equal("42P01", after[1].SqlState);
        Assert.Equal("25P02", after[3].SqlState);
    }

    [Fact]
    public async Task A_query_with_a_statement_the_gateway_answers_itself_goes_statement_by_statement()
    {
        var backend = new InMemoryBackend();
        var (_, messages) = await RunAsync(TrustGateway(backend),
            Connected().Query("insert into t values (1); SHOW application_name; select 1").Terminate().ToArray());

        Assert.Empty(backend.Batches);
        Assert.Equal("CTDCTDDDCZ", messages.AfterStartup().Types());
    }

    [Fact]
    public async Task A_backend_answering_a_batch_with_the_wrong_number_of_results_gets_an_internal_error_and_the_connection_goes_on()
    {
        var backend = new InMemoryBackend { MiscountBatches = true };
        var (end, messages) = await RunAsync(TrustGateway(backend),
            Connected().Query("select 1; select 2").Query("select 3").Terminate().ToArray());

        var after = messages.AfterStartup();
        Assert.Equal('E', after[0].Type);
        Assert.Equal("XX000", after[0].SqlState);
        Assert.Equal("Z(I)", after[1].ToString());
        Assert.Equal("TDDDCZ", string.Concat(after.Skip(2).Select(m => m.Type)));
        Assert.Equal(PgConnectionEnd.Terminated, end);
    }

    static async Task<List<BackendMessage>> QueryAsync(string sql) =>
        (await RunAsync(Connected().Query(sql).Terminate())).Messages.AfterStartup();
}
