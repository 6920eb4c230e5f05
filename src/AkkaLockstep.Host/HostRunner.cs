namespace AkkaLockstep.Host;

public static class HostRunner { public static Task RunAsync(HostOptions options, CancellationToken ct) => throw new NotImplementedException(); }
