namespace AkkaLockstep.Cli.Http;

/// <summary>An answer of the command endpoint, both decoded and as received (for --json).</summary>
public sealed record JsonReply<T>(T Value, string Raw);
