namespace AkkaLockstep.PgWire.Protocol;

/// <summary>The untyped first packet of a connection (and the SSL/GSS negotiation packets that may precede it).</summary>
internal abstract record StartupPacket
{
    public const int SslRequestCode = 80877103;
    public const int GssEncRequestCode = 80877104;
    public const int CancelRequestCode = 80877102;
}

internal sealed record SslRequestPacket : StartupPacket;

internal sealed record GssEncRequestPacket : StartupPacket;

internal sealed record CancelRequestPacket(int ProcessId, int SecretKey) : StartupPacket;

/// <summary>StartupMessage: protocol version and the name/value parameters (user, database, application_name, ...).</summary>
internal sealed record StartupMessagePacket(int MajorVersion, int MinorVersion, IReadOnlyList<KeyValuePair<string, string>> Parameters)
    : StartupPacket
{
    public string? this[string name] => Parameters.LastOrDefault(p => p.Key == name).Value;
}
