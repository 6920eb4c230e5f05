namespace AkkaLockstep.PgWire.Protocol;

/// <summary>A decoded typed frontend message (everything after the startup packet).</summary>
internal abstract record FrontendMessage;

/// <summary>'Q': a simple query, possibly several statements.</summary>
internal sealed record QueryMessage(string Sql) : FrontendMessage;

/// <summary>'P': prepare <see cref="Sql"/> as statement <see cref="Statement"/> ("" = unnamed).</summary>
internal sealed record ParseMessage(string Statement, string Sql, uint[] ParameterTypes) : FrontendMessage;

/// <summary>'B': bind parameter values to a statement, creating portal <see cref="Portal"/>; null values are SQL NULL.</summary>
internal sealed record BindMessage(
    string Portal,
    string Statement,
    short[] ParameterFormats,
    byte[]?[] ParameterValues,
    short[] ResultFormats) : FrontendMessage;

/// <summary>'D': describe a statement ('S') or portal ('P').</summary>
internal sealed record DescribeMessage(byte Target, string Name) : FrontendMessage;

/// <summary>'E': run a portal, returning at most <see cref="MaxRows"/> rows (0 = all).</summary>
internal sealed record ExecuteMessage(string Portal, int MaxRows) : FrontendMessage;

/// <summary>'C': close a statement ('S') or portal ('P').</summary>
internal sealed record CloseMessage(byte Target, string Name) : FrontendMessage;

/// <summary>'S': end of an extended-query batch; answered with ReadyForQuery.</summary>
internal sealed record SyncMessage : FrontendMessage;

/// <summary>'H': send everything produced so far.</summary>
internal sealed record FlushMessage : FrontendMessage;

/// <summary>'X': the client closes the connection.</summary>
internal sealed record TerminateMessage : FrontendMessage;

/// <summary>'p': PasswordMessage, SASLInitialResponse or SASLResponse; which one depends on the authentication step.</summary>
internal sealed record PasswordMessage(byte[] Payload) : FrontendMessage;

/// <summary>CopyData, CopyDone and CopyFail outside a COPY: PostgreSQL ignores them, so does the gateway.</summary>
internal sealed record IgnoredMessage : FrontendMessage;

internal static class DescribeTarget
{
    public const byte Statement = (byte)'S';
    public const byte Portal = (byte)'P';
}
