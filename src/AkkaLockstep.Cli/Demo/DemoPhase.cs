namespace AkkaLockstep.Cli.Demo;

/// <summary>
/// One phase of `lockstep demo`: what the clients saw while it lasted (transactions answered, errors, the longest
/// time without any answer), and for the phases that end when the pair is back together, how long that took
/// (<see cref="DuplexAfterS"/>).
/// </summary>
public sealed record DemoPhase(string Name, string What, double Seconds, long Acked, long Failed, double MaxStallMs, double? DuplexAfterS);
