namespace AkkaLockstep.PgWire;

/// <summary>A result column: its name and PostgreSQL type OID (see <see cref="PgTypeOid"/>).</summary>
public sealed record PgColumn(string Name, uint TypeOid);
