using System.Buffers.Binary;
using AkkaLockstep.PgWire.Tests.Support;
using static AkkaLockstep.PgWire.Tests.Support.InMemoryConnection;

namespace AkkaLockstep.PgWire.Tests.Protocol;

public sealed class ExtendedQueryTests
{
    [Fact]
    public async Task Parse_bind_describe_execute_sync()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("", "select $1", PgTypeOid.Text)
            .BindText("", "", "hello")
            .Describe('P', "")
            .Execute("")
            .Sync());

        Assert.Equal("12TDDDCZ", messages.Types());
        Assert.Equal(["1", "hello", "0.5"], messages[3].TextValues());
        Assert.Equal("C(SELECT 3)", messages[6].ToString());
        Assert.Equal("Z(I)", messages[7].ToString());
    }

    [Fact]
    public async Task Describe_statement_sends_parameter_types_then_row_description_or_no_data()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("q", "select $1, $2", PgTypeOid.Int4)
            .Describe('S', "q")
            .Parse("i", "insert into t values ($1)")
            .Describe('S', "i")
            .Sync());

        Assert.Equal("1tT1tnZ", messages.Types());
        Assert.Equal(2, messages[1].Int16At(0));
        Assert.Equal((int)PgTypeOid.Int4, messages[1].Int32At(2));
        Assert.Equal((int)PgTypeOid.Text, messages[1].Int32At(6));
        Assert.Equal(["n", "s", "f"], messages[2].Columns().Select(c => c.Name));
    }

    [Fact]
    public async Task Up_to_65535_parameters_are_described()
    {
        var messages = await ExchangeAsync(w => w.Parse("", "select $65535").Describe('S', "").Sync());

        Assert.Equal("1tTZ", messages.Types());
        Assert.Equal(65535, (ushort)messages[1].Int16At(0));
        Assert.Equal(2 + 4 * 65535, messages[1].Payload.Length);
    }

    [Fact]
    public async Task Execute_with_a_row_limit_suspends_the_portal_and_continues_where_it_stopped()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("", "select 1")
            .BindText("", "")
            .Execute("", 2)
            .Execute("", 2)
            .Sync());

        Assert.Equal("12DDsDCZ", messages.Types());
        Assert.Equal("1", messages[2].TextValues()[0]);
        Assert.Equal("3", messages[5].TextValues()[0]);
    }

    [Fact]
    public async Task Named_portals_keep_their_position_independently()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("s", "select 1")
            .BindText("a", "s")
            .BindText("b", "s")
            .Execute("a", 1)
            .Execute("b", 3)
            .Execute("a", 0)
            .Sync());

        Assert.Equal("122DsDDDCDDCZ", messages.Types());
        Assert.Equal("2", messages[9].TextValues()[0]);
    }

    [Fact]
    public async Task Binary_result_formats_are_honoured_per_column()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("", "select 1")
            .Bind("", "", [], [], [1, 0, 1])
            .Describe('P', "")
            .Execute("")
            .Sync());

        Assert.Equal([1, 0, 1], messages[2].Columns().Select(c => (int)c.Format));
        var values = messages[3].Values();
        Assert.Equal(1L, BinaryPrimitives.ReadInt64BigEndian(values[0]));
        Assert.Equal("row1", System.Text.Encoding.UTF8.GetString(values[1]!));
        Assert.Equal(0.5, BinaryPrimitives.ReadDoubleBigEndian(values[2]));
    }

    [Fact]
    public async Task Binary_parameters_are_decoded_by_their_declared_type()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("", "select $1", PgTypeOid.Int4)
            .Bind("", "", [1], [FrontendWriter.Int32(-42)], [])
            .Execute("")
            .Sync());

        Assert.Equal("12DDDCZ", messages.Types());
        Assert.Equal("-42", messages[2].TextValues()[1]);
    }

    [Fact]
    public async Task An_error_skips_everything_until_sync()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("", "select 1; select 2")
            .BindText("", "")
            .Execute("")
            .Sync()
            .Parse("", "select 1")
            .BindText("", "")
            .Execute("", 1)
            .Sync());

        Assert.Equal("EZ12DsZ", messages.Types());
        Assert.Equal("42601", messages[0].SqlState);
    }

    [Fact]
    public async Task A_backend_error_at_execute_is_reported_and_the_batch_skipped()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("", "select fail")
            .BindText("", "")
            .Execute("")
            .Parse("", "select 1")
            .Sync());

        Assert.Equal("12EZ", messages.Types());
        Assert.Equal("42P01", messages[2].SqlState);
    }

    [Theory]
    [InlineData("bind unknown statement", "26000")]
    [InlineData("execute unknown portal", "34000")]
    [InlineData("duplicate statement", "42P05")]
    [InlineData("wrong parameter count", "08P01")]
    [InlineData("bad binary int", "22P03")]
    [InlineData("bad text int", "22P02")]
    [InlineData("bad result format", "08P01")]
    [InlineData("result format count", "08P01")]
    public async Task Invalid_extended_requests_get_the_right_sqlstate(string situation, string sqlState)
    {
        var messages = await ExchangeAsync(w => situation switch
        {
            "bind unknown statement" => w.BindText("", "missing").Sync(),
            "execute unknown portal" => w.Execute("missing").Sync(),
            "duplicate statement" => w.Parse("s", "select 1").Parse("s", "select 2").Sync(),
            "wrong parameter count" => w.Parse("", "select $2").BindText("", "", "x").Sync(),
            "bad binary int" => w.Parse("", "select $1", PgTypeOid.Int8).Bind("", "", [1], [[1, 2, 3]], []).Sync(),
            "bad text int" => w.Parse("", "select $1", PgTypeOid.Int4).BindText("", "", "twelve").Sync(),
            "bad result format" => w.Parse("", "select 1").Bind("", "", [], [], [7]).Execute("").Sync(),
            _ => w.Parse("", "select 1").Bind("", "", [], [], [0, 1]).Execute("").Sync(),
        });

        var error = Assert.Single(messages, m => m.Type == 'E');
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal('Z', messages[^1].Type);
    }

    [Fact]
    public async Task Close_releases_a_statement_name()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("s", "select 1")
            .Close('S', "s")
            .Parse("s", "select 2")
            .Close('P', "never-bound")
            .Sync());

        Assert.Equal("1313Z", messages.Types());
    }

    [Fact]
    public async Task Empty_statements_describe_as_no_data_and_execute_as_empty_query()
    {
        var messages = await ExchangeAsync(w => w.Parse("", "").BindText("", "").Describe('P', "").Execute("").Sync());

        Assert.Equal("12nIZ", messages.Types());
    }

    [Fact]
    public async Task Flush_sends_pending_output_without_ready_for_query()
    {
        var messages = await ExchangeAsync(w => w.Parse("", "select 1").Flush().Sync());

        Assert.Equal("1Z", messages.Types());
    }

    [Fact]
    public async Task A_sync_with_a_payload_is_an_error_but_still_ends_the_batch()
    {
        var messages = await ExchangeAsync(w => w.Typed('S', [1]).Query("select 1"));

        Assert.Equal("EZTDDDCZ", messages.Types());
    }

    [Fact]
    public async Task A_truncated_bind_is_an_error_and_skips_to_sync()
    {
        var messages = await ExchangeAsync(w => w
            .Parse("", "select 1")
            .Typed('B', [0, 0, 0, 1])
            .Execute("")
            .Sync());

        Assert.Equal("1EZ", messages.Types());
        Assert.Equal("08P01", messages[1].SqlState);
    }

    [Fact]
    public async Task Statements_prepared_in_a_failed_transaction_are_refused_until_rollback()
    {
        var messages = await ExchangeAsync(w => w
            .Query("begin")
            .Query("select fail")
            .Parse("", "select 1")
            .Sync()
            .Parse("", "rollback")
            .BindText("", "")
            .Execute("")
            .Sync());

        Assert.Equal("CZEZEZ12CZ", messages.Types());
        Assert.Equal("25P02", messages[4].SqlState);
        Assert.Equal("Z(I)", messages[^1].ToString());
    }

    static async Task<List<BackendMessage>> ExchangeAsync(Func<FrontendWriter, FrontendWriter> script)
    {
        var (end, messages) = await RunAsync(script(Connected()).Terminate());
        Assert.Equal(PgConnectionEnd.Terminated, end);
        return messages.AfterStartup();
    }
}
