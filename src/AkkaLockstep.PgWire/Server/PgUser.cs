namespace AkkaLockstep.PgWire;

/// <summary>A user allowed to log in, with the password checked by SCRAM-SHA-256 (or cleartext, if so configured).</summary>
public sealed record PgUser(string Name, string Password)
{
    public override string ToString() => $"PgUser {{ Name = {Name} }}";
}
