using System.Buffers.Binary;
using AkkaLockstep.PgWire.Protocol;
using AkkaLockstep.PgWire.Tests.Support;
using AkkaLockstep.PgWire.Types;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AkkaLockstep.PgWire.Tests.Types;

public sealed class ValueCodecTests
{
    [Theory]
    [InlineData(PgTypeOid.Int8, 42L, "42")]
    [InlineData(PgTypeOid.Int4, "17", "17")]
    [InlineData(PgTypeOid.Float8, 0.1, "0.1")]
    [InlineData(PgTypeOid.Float8, 1e100, "1e+100")]
    [InlineData(PgTypeOid.Float8, double.PositiveInfinity, "Infinity")]
    [InlineData(PgTypeOid.Float8, double.NaN, "NaN")]
    [InlineData(PgTypeOid.Float8, 3L, "3")]
    [InlineData(PgTypeOid.Bool, 1L, "t")]
    [InlineData(PgTypeOid.Bool, false, "f")]
    [InlineData(PgTypeOid.Text, 5L, "5")]
    [InlineData(PgTypeOid.Text, 2.5, "2.5")]
    [InlineData(PgTypeOid.Text, "héllo", "héllo")]
    [InlineData(PgTypeOid.Void, "", "")]
    public void Text_output_follows_postgresql(uint oid, object value, string text) => Assert.Equal(text, PgValueEncoder.ToText(value, oid));

    [Fact]
    public void Bytea_text_output_is_hex_and_input_accepts_hex_and_escape_formats()
    {
        Assert.Equal("\\x00ff10", PgValueEncoder.ToText(new byte[] { 0, 255, 16 }, PgTypeOid.Bytea));
        Assert.Equal(new byte[] { 0, 255, 16 }, PgValueConversions.ParseBytea("\\x00FF10"));
        Assert.Equal(new byte[] { (byte)'a', 0, (byte)'\\', (byte)'b' }, PgValueConversions.ParseBytea("a\\000\\\\b"));
        Assert.Throws<PgException>(() => PgValueConversions.ParseBytea("\\xZZ"));
        Assert.Throws<PgException>(() => PgValueConversions.ParseBytea("bad\\9"));
    }

    [Theory]
    [InlineData(PgTypeOid.Int4, 3_000_000_000L, "22003")]
    [InlineData(PgTypeOid.Int8, "abc", "22P02")]
    [InlineData(PgTypeOid.Int8, 1.5, "22P02")]
    [InlineData(PgTypeOid.Float8, "x", "22P02")]
    public void Values_that_do_not_fit_their_column_type_fail_with_sqlstates(uint oid, object value, string sqlState) =>
        Assert.Equal(sqlState, Assert.Throws<PgException>(() => PgValueEncoder.ToText(value, oid)).SqlState);

    [Fact]
    public void Binary_output_of_a_row_and_its_rollback_on_a_bad_value()
    {
        var writer = new PgBackendWriter();
        PgColumn[] columns = [new("a", PgTypeOid.Int8), new("b", PgTypeOid.Float8), new("c", PgTypeOid.Bool), new("d", PgTypeOid.Int4), new("e", PgTypeOid.Bytea)];

        PgValueEncoder.WriteDataRow(writer, [7L, 1.25, true, null, new byte[] { 9 }], columns, [1, 1, 1, 1, 1]);
        var good = writer.Length;
        Assert.Throws<PgException>(() => PgValueEncoder.WriteDataRow(writer, [7L, 1.25, true, "no", null], columns, [1, 1, 1, 1, 1]));

        Assert.Equal(good, writer.Length);
        var values = Assert.Single(BackendReader.ParseAll(writer.Written)).Values();
        Assert.Equal(7L, BinaryPrimitives.ReadInt64BigEndian(values[0]));
        Assert.Equal(1.25, BinaryPrimitives.ReadDoubleBigEndian(values[1]));
        Assert.Equal([1], values[2]);
        Assert.Null(values[3]);
        Assert.Equal([9], values[4]);
    }

    [Theory]
    [InlineData(PgTypeOid.Int2, new byte[] { 0xFF, 0xFE }, -2L)]
    [InlineData(PgTypeOid.Int4, new byte[] { 0, 0, 1, 0 }, 256L)]
    [InlineData(PgTypeOid.Oid, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, 4294967295L)]
    [InlineData(PgTypeOid.Bool, new byte[] { 1 }, true)]
    [InlineData(PgTypeOid.Text, new byte[] { 0x68, 0x69 }, "hi")]
    [InlineData(PgTypeOid.Unspecified, new byte[] { 0x68, 0x69 }, "hi")]
    [InlineData(PgTypeOid.Jsonb, new byte[] { 1, (byte)'{', (byte)'}' }, "{}")]
    [InlineData(PgTypeOid.Date, new byte[] { 0, 0, 0, 0 }, "2000-01-01")]
    [InlineData(PgTypeOid.Date, new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, "1999-12-31")]
    [InlineData(PgTypeOid.Date, new byte[] { 0x7F, 0xFF, 0xFF, 0xFF }, "infinity")]
    [InlineData(PgTypeOid.Timestamp, new byte[] { 0, 0, 0, 0, 0, 0x0F, 0x42, 0x41 }, "2000-01-01 00:00:01.000001")]
    [InlineData(PgTypeOid.TimestampTz, new byte[] { 0, 0, 0, 0, 0, 0, 0, 0 }, "2000-01-01 00:00:00+00:00")]
    [InlineData(PgTypeOid.Time, new byte[] { 0, 0, 0, 0x0D, 0x1C, 0xB1, 0xF7, 0x00 }, "15:38:36")]
    [InlineData(PgTypeOid.Uuid, new byte[] { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 }, "12345678-9abc-def0-1122-334455667788")]
    public void Binary_parameters_decode_by_type(uint oid, byte[] bytes, object expected) =>
        Assert.Equal(expected, PgParameterDecoder.Decode(oid, 1, bytes, 1));

    [Theory]
    [InlineData(new short[] { 3, 1, 0, 3, 1, 2345, 6780 }, "12345.678")]
    [InlineData(new short[] { 1, -1, 0, 4, 1 }, "0.0001")]
    [InlineData(new short[] { 2, 0, 0x4000, 1, 1, 5000 }, "-1.5")]
    [InlineData(new short[] { 1, 2, 0, 0, 7 }, "700000000")]
    [InlineData(new short[] { 0, 0, 0, 0 }, "0")]
    [InlineData(new short[] { 0, 0, unchecked((short)0xC000), 0 }, "NaN")]
    public void Numeric_binary_decodes_to_exact_text(short[] words, string text) =>
        Assert.Equal(text, PgParameterDecoder.Decode(PgTypeOid.Numeric, 1, words.SelectMany(FrontendWriter.Int16).ToArray(), 1));

    [Theory]
    [InlineData(PgTypeOid.Int8, new byte[] { 1, 2, 3 })]
    [InlineData(PgTypeOid.Numeric, new byte[] { 0, 1, 0, 0, 0, 0, 0, 0 })]
    [InlineData(PgTypeOid.Numeric, new byte[] { 0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10 })]
    [InlineData(PgTypeOid.Jsonb, new byte[] { 2, 0 })]
    [InlineData(PgTypeOid.Timestamp, new byte[] { 0x7F, 0, 0, 0, 0, 0, 0, 0 })]
    public void Malformed_binary_parameters_fail_with_22P03(uint oid, byte[] bytes) =>
        Assert.Equal("22P03", Assert.Throws<PgException>(() => PgParameterDecoder.Decode(oid, 1, bytes, 1)).SqlState);

    [Fact]
    public void Parameters_of_types_without_binary_input_and_invalid_utf8_are_refused()
    {
        Assert.Equal("42883", Assert.Throws<PgException>(() => PgParameterDecoder.Decode(1186, 1, new byte[16], 1)).SqlState);
        Assert.Equal("22021", Assert.Throws<PgException>(() => PgParameterDecoder.Decode(PgTypeOid.Text, 0, [0xC3, 0x28], 1)).SqlState);
    }

    [Theory]
    [InlineData(PgTypeOid.Int4, " 12 ", 12L)]
    [InlineData(PgTypeOid.Float8, "-Infinity", double.NegativeInfinity)]
    [InlineData(PgTypeOid.Bool, "yes", true)]
    [InlineData(PgTypeOid.Bool, "OFF", false)]
    [InlineData(PgTypeOid.Numeric, "1.50", "1.50")]
    public void Text_parameters_parse_by_type(uint oid, string text, object expected) =>
        Assert.Equal(expected, PgParameterDecoder.Decode(oid, 0, System.Text.Encoding.UTF8.GetBytes(text), 1));

    [Property]
    public void Int8_binary_parameters_round_trip(long value) =>
        Assert.Equal(value, PgParameterDecoder.Decode(PgTypeOid.Int8, 1, FrontendWriter.Int64(value), 1));

    [Property]
    public void Float8_text_output_reads_back_exactly(NormalFloat value)
    {
        var text = PgValueEncoder.ToText(value.Get, PgTypeOid.Float8);
        Assert.Equal(value.Get, PgParameterDecoder.Decode(PgTypeOid.Float8, 0, System.Text.Encoding.UTF8.GetBytes(text), 1));
    }

    [Property]
    public Property Text_values_survive_binary_text_output(NonNull<string> value)
    {
        var text = value.Get.Replace('\0', ' ');
        if (!IsWellFormed(text))
            return true.ToProperty();
        var writer = new PgBackendWriter();
        PgValueEncoder.WriteDataRow(writer, [text], [new PgColumn("t", PgTypeOid.Text)], [1]);
        var bytes = BackendReader.ParseAll(writer.Written)[0].Values()[0]!;
        return (PgParameterDecoder.Decode(PgTypeOid.Text, 1, bytes, 1) as string == text).ToProperty();
    }

    static bool IsWellFormed(string text)
    {
        try
        {
            PgText.Strict.GetBytes(text);
            return true;
        }
        catch (System.Text.EncoderFallbackException)
        {
            return false;
        }
    }
}
