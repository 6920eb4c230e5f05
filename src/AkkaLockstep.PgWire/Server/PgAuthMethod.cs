namespace AkkaLockstep.PgWire;

/// <summary>How clients prove who they are.</summary>
public enum PgAuthMethod
{
    /// <summary>SCRAM-SHA-256 without channel binding: the password never crosses the wire.</summary>
    ScramSha256,

    /// <summary>The password is sent in clear text; only for clients that cannot do SCRAM.</summary>
    CleartextPassword,

    /// <summary>No password at all: any user name is accepted. Never the default; meant for tests.</summary>
    Trust,
}
