using AkkaLockstep.Guests.Sql;
using FsCheck.Xunit;

namespace AkkaLockstep.Protocol.Tests.Guests.Sql;

public sealed class SqlCodecTests
{
    private static SqlValue RandomValue(Random random) => random.Next(8) switch
    {
        0 => SqlValue.Null,
        1 => SqlValue.Integer(random.NextInt64(long.MinValue, long.MaxValue)),
        2 => SqlValue.Integer(random.Next(-300, 300)),
        3 => SqlValue.Real(BitConverter.Int64BitsToDouble(random.NextInt64())),
        4 => SqlValue.Real(random.NextDouble() * 1e6),
        5 => SqlValue.Text(new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0x20, 0xD000)).ToArray())),
        6 => SqlValue.Text(random.Next(2) == 0 ? "" : "𝄞 ü\0x"),
        _ => SqlValue.Blob(Enumerable.Range(0, random.Next(0, 300)).Select(_ => (byte)random.Next(256)).ToArray()),
    };

    private static SqlResult RandomResult(Random random)
    {
        var state = (SqlTransactionState)random.Next(3);
        switch (random.Next(4))
        {
            case 0: return SqlResult.Error(state, "23505", "UNIQUE constraint failed: t.x ✓");
            case 1: return SqlResult.Busy("busy");
        }
        var columns = Enumerable.Range(0, random.Next(0, 6)).Select(i => new SqlColumn($"c{i}", i % 2 == 0 ? "INTEGER" : "")).ToArray();
        var rows = columns.Length == 0
            ? []
            : Enumerable.Range(0, random.Next(0, 20)).Select(_ => columns.Select(_ => RandomValue(random)).ToArray()).ToArray();
        return SqlResult.Ok(state, $"SELECT {rows.Length}", random.Next(0, 2) == 0 ? 0 : random.NextInt64(0, long.MaxValue), columns, rows);
    }

    [Fact]
    public void Commands_round_trip()
    {
        var random = new Random(1);
        for (var i = 0; i < 500; i++)
        {
            var parameters = Enumerable.Range(0, random.Next(0, 8)).Select(_ => RandomValue(random)).ToArray();
            var command = SqlCommand.Execute($"SELECT {i} -- ü", parameters);
            var bytes = command.Encode();
            Assert.True(SqlCommand.TryDecode(bytes, out var decoded, out var error), error);
            Assert.Equal(SqlCommandKind.Execute, decoded!.Kind);
            Assert.Equal(command.Sql, decoded.Sql);
            Assert.Equal(parameters, decoded.Parameters);
            Assert.Equal(bytes, decoded.Encode());
        }
        var close = SqlCommand.Close().Encode();
        Assert.Equal(new byte[] { 1, 2 }, close);
        Assert.True(SqlCommand.TryDecode(close, out var closeCommand, out _));
        Assert.Equal(SqlCommandKind.Close, closeCommand!.Kind);

        var describe = SqlCommand.Describe("SELECT ü FROM t").Encode();
        Assert.Equal(new byte[] { 1, 3, 16 }, describe[..3]);
        Assert.True(SqlCommand.TryDecode(describe, out var describeCommand, out _));
        Assert.Equal((SqlCommandKind.Describe, "SELECT ü FROM t"), (describeCommand!.Kind, describeCommand.Sql));
        Assert.Empty(describeCommand.Parameters);
        Assert.Equal(describe, describeCommand.Encode());
    }

    [Fact]
    public void Results_round_trip()
    {
        var random = new Random(2);
        for (var i = 0; i < 500; i++)
        {
            var result = RandomResult(random);
            var bytes = result.Encode();
            var decoded = SqlResult.Decode(bytes);
            Assert.Equal((result.Status, result.TransactionState, result.CommandTag, result.RowsAffected, result.ErrorCode, result.ErrorMessage),
                (decoded.Status, decoded.TransactionState, decoded.CommandTag, decoded.RowsAffected, decoded.ErrorCode, decoded.ErrorMessage));
            Assert.Equal(result.Columns, decoded.Columns);
            Assert.Equal(result.Rows.Count, decoded.Rows.Count);
            for (var r = 0; r < result.Rows.Count; r++) Assert.Equal(result.Rows[r], decoded.Rows[r]);
            Assert.Equal(bytes, decoded.Encode());
        }
    }

    [Fact]
    public void Every_truncation_and_extension_of_a_valid_encoding_is_refused()
    {
        var random = new Random(3);
        for (var i = 0; i < 50; i++)
        {
            var command = SqlCommand.Execute("SELECT $1, $2", RandomValue(random), RandomValue(random)).Encode();
            for (var length = 0; length < command.Length; length++)
                Assert.False(SqlCommand.TryDecode(command.AsSpan(0, length), out _, out _));
            Assert.False(SqlCommand.TryDecode(command.Append((byte)0).ToArray(), out _, out _));

            var describe = SqlCommand.Describe($"SELECT {i}").Encode();
            for (var length = 0; length < describe.Length; length++)
                Assert.False(SqlCommand.TryDecode(describe.AsSpan(0, length), out _, out _));
            Assert.False(SqlCommand.TryDecode(describe.Append((byte)0).ToArray(), out _, out _));

            var result = RandomResult(random).Encode();
            for (var length = 0; length < result.Length; length++)
                Assert.False(SqlResult.TryDecode(result.AsSpan(0, length), out _, out _));
            Assert.False(SqlResult.TryDecode(result.Append((byte)0).ToArray(), out _, out _));
        }
    }

    [Fact]
    public void Non_canonical_and_out_of_range_encodings_are_refused()
    {
        // SQL text length 1 written as a two-byte varint (0x81 0x00).
        Assert.False(SqlCommand.TryDecode([1, 1, 0x81, 0x00, (byte)'x', 0], out _, out var error));
        Assert.Contains("non-minimal", error);
        // An integer parameter whose varint runs past 64 bits.
        Assert.False(SqlCommand.TryDecode([1, 1, 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], out _, out error));
        // Invalid UTF-8 in the SQL text.
        Assert.False(SqlCommand.TryDecode([1, 1, 1, 0xff, 0], out _, out error));
        Assert.Contains("UTF-8", error);
        // Unknown value kind, unknown version, unknown kind, huge parameter count.
        Assert.False(SqlCommand.TryDecode([1, 1, 0, 1, 9], out _, out _));
        Assert.False(SqlCommand.TryDecode([2, 1, 0, 0], out _, out _));
        Assert.False(SqlCommand.TryDecode([1, 4], out _, out _));
        Assert.False(SqlCommand.TryDecode([1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0x07], out _, out _));
        // Results: unknown status or state, rows without columns, a row count larger than the bytes could hold.
        Assert.False(SqlResult.TryDecode([1, 3, 0, 0, 0], out _, out _));
        Assert.False(SqlResult.TryDecode([1, 0, 3, 0, 0, 0, 0], out _, out _));
        Assert.False(SqlResult.TryDecode([1, 0, 0, 0, 0, 0, 1], out _, out _));
        Assert.False(SqlResult.TryDecode([1, 0, 0, 0, 0, 1, 1, (byte)'a', 0, 0xff, 0xff, 0xff, 0x7f], out _, out _));
        Assert.Throws<InvalidDataException>(() => SqlResult.Decode([9]));
    }

    [Property(MaxTest = 2000)]
    public bool Arbitrary_bytes_never_throw_and_decoded_values_re_encode_identically(byte[] bytes)
    {
        if (SqlCommand.TryDecode(bytes, out var command, out var commandError))
        {
            if (!command!.Encode().AsSpan().SequenceEqual(bytes)) return false;
        }
        else if (string.IsNullOrEmpty(commandError)) return false;
        if (SqlResult.TryDecode(bytes, out var result, out var resultError))
            return result!.Encode().AsSpan().SequenceEqual(bytes);
        return !string.IsNullOrEmpty(resultError);
    }

    [Property(MaxTest = 500)]
    public bool Mutated_valid_commands_never_throw(byte[] noise, int position)
    {
        var valid = SqlCommand.Execute("SELECT $1, $2", "text", new byte[] { 1, 2, 3 }).Encode();
        var mutated = valid.ToArray();
        for (var i = 0; i < noise.Length; i++) mutated[(int)((uint)(position + i) % (uint)mutated.Length)] ^= noise[i];
        return SqlCommand.TryDecode(mutated, out var command, out var error)
            ? command!.Encode().AsSpan().SequenceEqual(mutated)
            : !string.IsNullOrEmpty(error);
    }
}
