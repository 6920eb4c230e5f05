using AkkaLockstep.PgWire.Types;

namespace AkkaLockstep.PgWire.Protocol;

/// <summary>The backend messages of protocol 3.0, each written whole into a <see cref="PgBackendWriter"/>.</summary>
internal static class BackendMessages
{
    const int AuthOk = 0;
    const int AuthCleartextPassword = 3;
    const int AuthSasl = 10;
    const int AuthSaslContinue = 11;
    const int AuthSaslFinal = 12;

    /// <summary>The single-byte answer to SSLRequest and GSSENCRequest: no encryption, go on in plain text.</summary>
    public static void EncryptionRefused(this PgBackendWriter writer) => writer.WriteByte((byte)'N');

    public static void AuthenticationOk(this PgBackendWriter writer) => writer.Authentication(AuthOk, []);

    public static void AuthenticationCleartextPassword(this PgBackendWriter writer) => writer.Authentication(AuthCleartextPassword, []);

    public static void AuthenticationSasl(this PgBackendWriter writer, IEnumerable<string> mechanisms)
    {
        var start = writer.BeginMessage((byte)'R');
        writer.WriteInt32(AuthSasl);
        foreach (var mechanism in mechanisms)
            writer.WriteCString(mechanism);
        writer.WriteByte(0);
        writer.EndMessage(start);
    }

    public static void AuthenticationSaslContinue(this PgBackendWriter writer, ReadOnlySpan<byte> data) =>
        writer.Authentication(AuthSaslContinue, data);

    public static void AuthenticationSaslFinal(this PgBackendWriter writer, ReadOnlySpan<byte> data) =>
        writer.Authentication(AuthSaslFinal, data);

    public static void ParameterStatus(this PgBackendWriter writer, string name, string value)
    {
        var start = writer.BeginMessage((byte)'S');
        writer.WriteCString(name);
        writer.WriteCString(value);
        writer.EndMessage(start);
    }

    public static void BackendKeyData(this PgBackendWriter writer, int processId, int secretKey)
    {
        var start = writer.BeginMessage((byte)'K');
        writer.WriteInt32(processId);
        writer.WriteInt32(secretKey);
        writer.EndMessage(start);
    }

    /// <summary>Tells a client that asked for a newer minor version or for _pq_ options what this server speaks (3.0).</summary>
    public static void NegotiateProtocolVersion(this PgBackendWriter writer, int newestMinorVersion, IReadOnlyList<string> unrecognizedOptions)
    {
        var start = writer.BeginMessage((byte)'v');
        writer.WriteInt32((3 << 16) | newestMinorVersion);
        writer.WriteInt32(unrecognizedOptions.Count);
        foreach (var option in unrecognizedOptions)
            writer.WriteCString(option);
        writer.EndMessage(start);
    }

    public static void ReadyForQuery(this PgBackendWriter writer, PgTransactionStatus status)
    {
        var start = writer.BeginMessage((byte)'Z');
        writer.WriteByte(status switch
        {
            PgTransactionStatus.InTransaction => (byte)'T',
            PgTransactionStatus.Failed => (byte)'E',
            _ => (byte)'I',
        });
        writer.EndMessage(start);
    }

    /// <summary>RowDescription; <paramref name="formats"/> holds one resolved format code (0 text, 1 binary) per column.</summary>
    public static void RowDescription(this PgBackendWriter writer, IReadOnlyList<PgColumn> columns, IReadOnlyList<short> formats)
    {
        var start = writer.BeginMessage((byte)'T');
        writer.WriteInt16(checked((short)columns.Count));
        for (var i = 0; i < columns.Count; i++)
        {
            writer.WriteCString(columns[i].Name);
            writer.WriteInt32(0);
            writer.WriteInt16(0);
            writer.WriteInt32(unchecked((int)columns[i].TypeOid));
            writer.WriteInt16(PgBuiltinTypes.LengthOf(columns[i].TypeOid));
            writer.WriteInt32(-1);
            writer.WriteInt16(formats[i]);
        }

        writer.EndMessage(start);
    }

    /// <summary>The count is an unsigned 16-bit number on the wire (up to 65535 parameters), as in Bind.</summary>
    public static void ParameterDescription(this PgBackendWriter writer, IReadOnlyList<uint> typeOids)
    {
        var start = writer.BeginMessage((byte)'t');
        writer.WriteInt16(unchecked((short)checked((ushort)typeOids.Count)));
        foreach (var oid in typeOids)
            writer.WriteInt32(unchecked((int)oid));
        writer.EndMessage(start);
    }

    public static void CommandComplete(this PgBackendWriter writer, string tag)
    {
        var start = writer.BeginMessage((byte)'C');
        writer.WriteCString(tag);
        writer.EndMessage(start);
    }

    public static void ErrorResponse(this PgBackendWriter writer, PgError error, bool fatal = false) =>
        writer.Fields((byte)'E', fatal ? "FATAL" : "ERROR", error.SqlState, error.Message, error.Detail, error.Hint);

    public static void NoticeResponse(this PgBackendWriter writer, PgNotice notice) =>
        writer.Fields((byte)'N', notice.Severity.ToString().ToUpperInvariant(), notice.SqlState, notice.Message, null, null);

    public static void EmptyQueryResponse(this PgBackendWriter writer) => writer.Empty((byte)'I');

    public static void ParseComplete(this PgBackendWriter writer) => writer.Empty((byte)'1');

    public static void BindComplete(this PgBackendWriter writer) => writer.Empty((byte)'2');

    public static void CloseComplete(this PgBackendWriter writer) => writer.Empty((byte)'3');

    public static void NoData(this PgBackendWriter writer) => writer.Empty((byte)'n');

    public static void PortalSuspended(this PgBackendWriter writer) => writer.Empty((byte)'s');

    static void Authentication(this PgBackendWriter writer, int code, ReadOnlySpan<byte> data)
    {
        var start = writer.BeginMessage((byte)'R');
        writer.WriteInt32(code);
        writer.WriteBytes(data);
        writer.EndMessage(start);
    }

    static void Fields(this PgBackendWriter writer, byte type, string severity, string sqlState, string message, string? detail, string? hint)
    {
        var start = writer.BeginMessage(type);
        writer.Field((byte)'S', severity);
        writer.Field((byte)'V', severity);
        writer.Field((byte)'C', sqlState);
        writer.Field((byte)'M', message);
        if (detail is not null)
            writer.Field((byte)'D', detail);
        if (hint is not null)
            writer.Field((byte)'H', hint);
        writer.WriteByte(0);
        writer.EndMessage(start);
    }

    static void Field(this PgBackendWriter writer, byte code, string value)
    {
        writer.WriteByte(code);
        writer.WriteCString(value);
    }

    static void Empty(this PgBackendWriter writer, byte type) => writer.EndMessage(writer.BeginMessage(type));
}
