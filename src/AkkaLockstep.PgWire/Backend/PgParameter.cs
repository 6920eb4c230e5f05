namespace AkkaLockstep.PgWire;

/// <summary>
/// A bound parameter, already decoded from the wire (text or binary) by its declared type <see cref="TypeOid"/>.
/// <see cref="Value"/> is null, <see cref="long"/> (int2, int4, int8, oid), <see cref="double"/> (float4, float8),
/// <see cref="bool"/>, <see cref="byte"/>[] (bytea) or <see cref="string"/> (every other type in its PostgreSQL text
/// form, e.g. numeric digits, ISO dates, uuid; and parameters whose type the client left unspecified, OID 0).
/// </summary>
public readonly record struct PgParameter(uint TypeOid, object? Value);
