using System.Buffers.Binary;
using System.Text;

namespace AkkaLockstep.PgWire.Tests.Support;

/// <summary>Test-side encoder of frontend messages, written from the protocol description (not from the gateway's code).</summary>
internal sealed class FrontendWriter
{
    readonly MemoryStream _bytes = new();

    public byte[] ToArray() => _bytes.ToArray();

    public FrontendWriter Startup(params (string Name, string Value)[] parameters) => StartupVersion(3, 0, parameters);

    public FrontendWriter StartupVersion(int major, int minor, params (string Name, string Value)[] parameters)
    {
        var body = new List<byte>();
        body.AddRange(Int32((major << 16) | minor));
        foreach (var (name, value) in parameters)
        {
            body.AddRange(CString(name));
            body.AddRange(CString(value));
        }

        body.Add(0);
        return Untyped(body.ToArray());
    }

    public FrontendWriter SslRequest() => Untyped(Int32(80877103));

    public FrontendWriter GssEncRequest() => Untyped(Int32(80877104));

    public FrontendWriter CancelRequest(int processId, int secretKey) => Untyped([.. Int32(80877102), .. Int32(processId), .. Int32(secretKey)]);

    public FrontendWriter Query(string sql) => Typed('Q', CString(sql));

    public FrontendWriter Parse(string name, string sql, params uint[] types)
    {
        var body = new List<byte>();
        body.AddRange(CString(name));
        body.AddRange(CString(sql));
        body.AddRange(Int16((short)types.Length));
        foreach (var type in types)
            body.AddRange(Int32(unchecked((int)type)));
        return Typed('P', body.ToArray());
    }

    public FrontendWriter Bind(string portal, string statement, short[] parameterFormats, byte[]?[] values, short[] resultFormats)
    {
        var body = new List<byte>();
        body.AddRange(CString(portal));
        body.AddRange(CString(statement));
        body.AddRange(Int16((short)parameterFormats.Length));
        foreach (var format in parameterFormats)
            body.AddRange(Int16(format));
        body.AddRange(Int16((short)values.Length));
        foreach (var value in values)
        {
            body.AddRange(Int32(value?.Length ?? -1));
            if (value is not null)
                body.AddRange(value);
        }

        body.AddRange(Int16((short)resultFormats.Length));
        foreach (var format in resultFormats)
            body.AddRange(Int16(format));
        return Typed('B', body.ToArray());
    }

    public FrontendWriter BindText(string portal, string statement, params string?[] values) =>
        Bind(portal, statement, [], values.Select(v => v is null ? null : Encoding.UTF8.GetBytes(v)).ToArray(), []);

    public FrontendWriter Describe(char target, string name) => Typed('D', [(byte)target, .. CString(name)]);

    public FrontendWriter Execute(string portal, int maxRows = 0) => Typed('E', [.. CString(portal), .. Int32(maxRows)]);

    public FrontendWriter Close(char target, string name) => Typed('C', [(byte)target, .. CString(name)]);

    public FrontendWriter Sync() => Typed('S', []);

    public FrontendWriter Flush() => Typed('H', []);

    public FrontendWriter Terminate() => Typed('X', []);

    public FrontendWriter Password(string password) => Typed('p', CString(password));

    public FrontendWriter SaslInitialResponse(string mechanism, string data) =>
        Typed('p', [.. CString(mechanism), .. Int32(Encoding.UTF8.GetByteCount(data)), .. Encoding.UTF8.GetBytes(data)]);

    public FrontendWriter SaslResponse(string data) => Typed('p', Encoding.UTF8.GetBytes(data));

    public FrontendWriter Typed(char type, byte[] body)
    {
        _bytes.WriteByte((byte)type);
        _bytes.Write(Int32(body.Length + 4));
        _bytes.Write(body);
        return this;
    }

    public FrontendWriter Raw(byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    FrontendWriter Untyped(byte[] body)
    {
        _bytes.Write(Int32(body.Length + 4));
        _bytes.Write(body);
        return this;
    }

    public static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Int16(short value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] Int64(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, value);
        return bytes;
    }

    static byte[] CString(string text) => [.. Encoding.UTF8.GetBytes(text), 0];
}
