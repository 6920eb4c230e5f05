using AkkaLockstep.PgWire.Protocol;
using AkkaLockstep.PgWire.Tests.Support;
using FsCheck.Xunit;

namespace AkkaLockstep.PgWire.Tests.Protocol;

/// <summary>Messages encoded by the test-side writer decode to the same fields, and backend messages parse back.</summary>
public sealed class CodecRoundTripTests
{
    [Property]
    public void Parse_messages_round_trip(string? name, string? sql, uint[] types)
    {
        var (n, s) = (Clean(name), Clean(sql));

        var parse = Assert.IsType<ParseMessage>(Decode(new FrontendWriter().Parse(n, s, types)));

        Assert.Equal((n, s), (parse.Statement, parse.Sql));
        Assert.Equal(types, parse.ParameterTypes);
    }

    [Property]
    public void Bind_messages_round_trip(string? portal, string? statement, short[] formats, byte[]?[] values, short[] resultFormats)
    {
        var bind = Assert.IsType<BindMessage>(Decode(new FrontendWriter().Bind(Clean(portal), Clean(statement), formats, values, resultFormats)));

        Assert.Equal(Clean(portal), bind.Portal);
        Assert.Equal(Clean(statement), bind.Statement);
        Assert.Equal(formats, bind.ParameterFormats);
        Assert.Equal(values, bind.ParameterValues);
        Assert.Equal(resultFormats, bind.ResultFormats);
    }

    [Property]
    public void Query_execute_describe_and_close_round_trip(string? text, int maxRows, bool statement)
    {
        var target = statement ? 'S' : 'P';

        Assert.Equal(Clean(text), Assert.IsType<QueryMessage>(Decode(new FrontendWriter().Query(Clean(text)))).Sql);
        var execute = Assert.IsType<ExecuteMessage>(Decode(new FrontendWriter().Execute(Clean(text), maxRows)));
        Assert.Equal((Clean(text), Math.Max(maxRows, 0)), (execute.Portal, execute.MaxRows));
        var describe = Assert.IsType<DescribeMessage>(Decode(new FrontendWriter().Describe(target, Clean(text))));
        Assert.Equal(((byte)target, Clean(text)), (describe.Target, describe.Name));
        var close = Assert.IsType<CloseMessage>(Decode(new FrontendWriter().Close(target, Clean(text))));
        Assert.Equal(((byte)target, Clean(text)), (close.Target, close.Name));
    }

    [Property]
    public void Startup_messages_round_trip(string? user, string? database, string? application)
    {
        var parameters = new[] { ("user", Clean(user)), ("database", Clean(database)), ("application_name", Clean(application)) };
        var reader = new PgFrameReader(new MemoryStream(new FrontendWriter().Startup(parameters).ToArray()), 1 << 20);

        var startup = Assert.IsType<StartupMessagePacket>(reader.ReadStartupPacketAsync(CancellationToken.None).AsTask().Result);

        Assert.Equal((3, 0), (startup.MajorVersion, startup.MinorVersion));
        Assert.Equal(parameters, startup.Parameters.Select(p => (p.Key, p.Value)));
    }

    [Property]
    public void Backend_messages_parse_back(string? name, string? message, uint oid, short format)
    {
        var writer = new PgBackendWriter();
        writer.RowDescription([new PgColumn(Clean(name), oid)], [format]);
        writer.ErrorResponse(new PgError("42P01", Clean(message), "detail", "hint"));
        writer.ParameterStatus(Clean(name), Clean(message));
        writer.CommandComplete(Clean(message));
        writer.ReadyForQuery(PgTransactionStatus.Failed);

        var messages = BackendReader.ParseAll(writer.Written);

        Assert.Equal("TESCZ", messages.Types());
        Assert.Equal([(Clean(name), oid, format)], messages[0].Columns());
        Assert.Equal(
            new Dictionary<char, string> { ['S'] = "ERROR", ['V'] = "ERROR", ['C'] = "42P01", ['M'] = Clean(message), ['D'] = "detail", ['H'] = "hint" },
            messages[1].Fields());
        Assert.Equal(Clean(message), messages[3].Text);
        Assert.Equal("Z(E)", messages[4].ToString());
    }

    [Fact]
    public void Embedded_nuls_in_outgoing_strings_cannot_break_framing()
    {
        var writer = new PgBackendWriter();
        writer.ErrorResponse(new PgError("XX000", "a\0b"));
        writer.ReadyForQuery(PgTransactionStatus.Idle);

        var messages = BackendReader.ParseAll(writer.Written);

        Assert.Equal("ab", messages[0].Fields()['M']);
        Assert.Equal('Z', messages[1].Type);
    }

    [Fact]
    public async Task The_frame_reader_reassembles_messages_delivered_one_byte_at_a_time()
    {
        var sql = new string('x', 20_000);
        var bytes = new FrontendWriter().Startup(("user", "u")).Query(sql).Sync().ToArray();
        var reader = new PgFrameReader(new TrickleStream(bytes), 1 << 20);

        Assert.IsType<StartupMessagePacket>(await reader.ReadStartupPacketAsync(CancellationToken.None));
        Assert.Equal(sql, Assert.IsType<QueryMessage>(FrontendMessageParser.Parse((await reader.ReadFrameAsync(CancellationToken.None))!.Value)).Sql);
        Assert.Equal((byte)'S', (await reader.ReadFrameAsync(CancellationToken.None))!.Value.Type);
        Assert.Null(await reader.ReadFrameAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_frame_reader_checks_lengths_before_reading_payloads()
    {
        var oversized = new PgFrameReader(new MemoryStream([(byte)'Q', 0x7F, 0xFF, 0xFF, 0xFF]), 1024);
        var tooShort = new PgFrameReader(new MemoryStream([(byte)'Q', 0, 0, 0, 3]), 1024);
        var startupTooLong = new PgFrameReader(new MemoryStream([0, 0, 0x27, 0x11, 0, 3, 0, 0]), 1024);
        var truncated = new PgFrameReader(new MemoryStream([(byte)'Q', 0, 0, 0, 9, 1]), 1024);

        Assert.True((await Assert.ThrowsAsync<PgProtocolException>(() => oversized.ReadFrameAsync(CancellationToken.None).AsTask())).Fatal);
        Assert.True((await Assert.ThrowsAsync<PgProtocolException>(() => tooShort.ReadFrameAsync(CancellationToken.None).AsTask())).Fatal);
        Assert.True((await Assert.ThrowsAsync<PgProtocolException>(() => startupTooLong.ReadStartupPacketAsync(CancellationToken.None).AsTask())).Fatal);
        await Assert.ThrowsAsync<EndOfStreamException>(() => truncated.ReadFrameAsync(CancellationToken.None).AsTask());
    }

    static FrontendMessage Decode(FrontendWriter writer)
    {
        var reader = new PgFrameReader(new MemoryStream(writer.ToArray()), 16 << 20);
        var frame = reader.ReadFrameAsync(CancellationToken.None).AsTask().Result!.Value;
        return FrontendMessageParser.Parse(frame);
    }

    /// <summary>Strings as they can travel in a C string: no NUL, no unpaired surrogate.</summary>
    static string Clean(string? text) => new((text ?? "").Where(c => c != '\0' && !char.IsSurrogate(c)).ToArray());

    sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
