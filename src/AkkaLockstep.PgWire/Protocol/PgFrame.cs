namespace AkkaLockstep.PgWire.Protocol;

/// <summary>One typed frontend message as framed on the wire; <see cref="Payload"/> is valid until the next read.</summary>
internal readonly record struct PgFrame(byte Type, ReadOnlyMemory<byte> Payload);
