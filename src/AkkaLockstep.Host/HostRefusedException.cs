namespace AkkaLockstep.Host;

/// <summary>This member cannot take part in the cluster as configured (taken name, no seed answering); it stops.</summary>
public sealed class HostRefusedException(string message) : Exception(message);
