namespace AkkaLockstep.Client;

/// <summary>A command's output and the primary that answered: its host name and epoch.</summary>
public sealed record ExecutionResult(byte[] Output, long Epoch, string Host);
