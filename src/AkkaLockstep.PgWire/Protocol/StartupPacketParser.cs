using System.Buffers.Binary;

namespace AkkaLockstep.PgWire.Protocol;

/// <summary>Decodes the payload of an untyped startup packet (the bytes after its length word).</summary>
internal static class StartupPacketParser
{
    public static StartupPacket Parse(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
            throw new PgProtocolException("invalid length of startup packet", fatal: true);
        var code = BinaryPrimitives.ReadInt32BigEndian(payload);
        var body = payload[4..];
        switch (code)
        {
            case StartupPacket.SslRequestCode:
                ExpectEmpty(body);
                return new SslRequestPacket();
            case StartupPacket.GssEncRequestCode:
                ExpectEmpty(body);
                return new GssEncRequestPacket();
            case StartupPacket.CancelRequestCode:
                if (body.Length != 8)
                    throw new PgProtocolException("invalid length of cancel request packet", fatal: true);
                return new CancelRequestPacket(BinaryPrimitives.ReadInt32BigEndian(body), BinaryPrimitives.ReadInt32BigEndian(body[4..]));
        }

        var major = (code >> 16) & 0xFFFF;
        var minor = code & 0xFFFF;
        if (major != 3)
        {
            throw new PgProtocolException(
                $"unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.0", fatal: true, PgSqlState.FeatureNotSupported);
        }

        return new StartupMessagePacket(major, minor, ParseParameters(body));
    }

    static void ExpectEmpty(ReadOnlySpan<byte> body)
    {
        if (!body.IsEmpty)
            throw new PgProtocolException("invalid length of startup packet", fatal: true);
    }

    static List<KeyValuePair<string, string>> ParseParameters(ReadOnlySpan<byte> body)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        var reader = new PgPayloadReader(body, "startup packet");
        try
        {
            while (true)
            {
                var name = reader.ReadCString();
                if (name.Length == 0)
                    break;
                parameters.Add(new(name, reader.ReadCString()));
            }

            reader.ExpectEnd();
        }
        catch (PgProtocolException e)
        {
            throw new PgProtocolException(e.Message, fatal: true, e.Error.SqlState);
        }

        return parameters;
    }
}
