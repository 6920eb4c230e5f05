namespace AkkaLockstep.PgWire.Protocol;

/// <summary>Decodes typed frontend messages; an unknown type is fatal, a malformed payload is an ERROR.</summary>
internal static class FrontendMessageParser
{
    static readonly SyncMessage Sync = new();
    static readonly FlushMessage Flush = new();
    static readonly TerminateMessage Terminate = new();
    static readonly IgnoredMessage Ignored = new();

    public static FrontendMessage Parse(PgFrame frame)
    {
        var payload = frame.Payload.Span;
        switch (frame.Type)
        {
            case (byte)'Q':
                return ParseQuery(payload);
            case (byte)'P':
                return ParseParse(payload);
            case (byte)'B':
                return ParseBind(payload);
            case (byte)'D':
            {
                var reader = new PgPayloadReader(payload, "Describe");
                var target = ReadTarget(ref reader, "Describe");
                var name = reader.ReadCString();
                reader.ExpectEnd();
                return new DescribeMessage(target, name);
            }
            case (byte)'E':
            {
                var reader = new PgPayloadReader(payload, "Execute");
                var portal = reader.ReadCString();
                var maxRows = reader.ReadInt32();
                reader.ExpectEnd();
                return new ExecuteMessage(portal, Math.Max(maxRows, 0));
            }
            case (byte)'C':
            {
                var reader = new PgPayloadReader(payload, "Close");
                var target = ReadTarget(ref reader, "Close");
                var name = reader.ReadCString();
                reader.ExpectEnd();
                return new CloseMessage(target, name);
            }
            case (byte)'S':
                return Empty(payload, "Sync", Sync);
            case (byte)'H':
                return Empty(payload, "Flush", Flush);
            case (byte)'X':
                return Terminate;
            case (byte)'p':
                return new PasswordMessage(payload.ToArray());
            case (byte)'d' or (byte)'c' or (byte)'f':
                return Ignored;
            case (byte)'F':
                throw new PgProtocolException("the function call protocol is not supported", fatal: false, PgSqlState.FeatureNotSupported);
            default:
                throw new PgProtocolException($"invalid frontend message type {frame.Type}", fatal: true);
        }
    }

    static QueryMessage ParseQuery(ReadOnlySpan<byte> payload)
    {
        var reader = new PgPayloadReader(payload, "Query");
        var sql = reader.ReadCString();
        reader.ExpectEnd();
        return new QueryMessage(sql);
    }

    static ParseMessage ParseParse(ReadOnlySpan<byte> payload)
    {
        var reader = new PgPayloadReader(payload, "Parse");
        var name = reader.ReadCString();
        var sql = reader.ReadCString();
        var count = reader.ReadUInt16();
        var types = new uint[count];
        for (var i = 0; i < count; i++)
            types[i] = unchecked((uint)reader.ReadInt32());
        reader.ExpectEnd();
        return new ParseMessage(name, sql, types);
    }

    static BindMessage ParseBind(ReadOnlySpan<byte> payload)
    {
        var reader = new PgPayloadReader(payload, "Bind");
        var portal = reader.ReadCString();
        var statement = reader.ReadCString();
        var formats = ReadFormats(ref reader);
        var count = reader.ReadUInt16();
        var values = new byte[]?[count];
        for (var i = 0; i < count; i++)
        {
            var length = reader.ReadInt32();
            values[i] = length == -1 ? null : reader.ReadBytes(length).ToArray();
        }

        var resultFormats = ReadFormats(ref reader);
        reader.ExpectEnd();
        return new BindMessage(portal, statement, formats, values, resultFormats);
    }

    static short[] ReadFormats(ref PgPayloadReader reader)
    {
        var count = reader.ReadUInt16();
        var formats = new short[count];
        for (var i = 0; i < count; i++)
            formats[i] = reader.ReadInt16();
        return formats;
    }

    static byte ReadTarget(ref PgPayloadReader reader, string messageName)
    {
        var target = reader.ReadByte();
        return target is DescribeTarget.Statement or DescribeTarget.Portal
            ? target
            : throw new PgProtocolException($"invalid {messageName} message subtype {target}", fatal: false);
    }

    static FrontendMessage Empty(ReadOnlySpan<byte> payload, string messageName, FrontendMessage message)
    {
        new PgPayloadReader(payload, messageName).ExpectEnd();
        return message;
    }
}
