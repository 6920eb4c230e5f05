using System.Text.Json;
using System.Text.Json.Serialization;

namespace AkkaLockstep.Cli.Demo;

/// <summary>
/// What `lockstep demo` found: the clients' transactions (<see cref="Sent"/> begun, <see cref="Acked"/> answered,
/// <see cref="Failed"/> ended in an error, <see cref="Unknown"/> of them with an unknown outcome), the broker's counts,
/// and the consistency check of the replicas (<see cref="Lost"/>, <see cref="Duplicated"/>,
/// <see cref="DoubleAssignments"/>, <see cref="ReplicasIdentical"/>, <see cref="Problems"/>).
/// </summary>
public sealed record DemoReport(string Vm, int Sessions, double Seconds, long Sent, long Acked, long Failed, long Unknown,
    long Lost, long Duplicated, bool ReplicasIdentical, long AppliedIndex, double TxPerS, double P50Ms, double P99Ms, double MaxStallMs,
    long Logons, long LogonsRefused, long Logoffs, long Heartbeats, long Queries, long UnknownCommitted, long DoubleAssignments,
    IReadOnlyList<DemoPhase> Phases, IReadOnlyList<string> Problems)
{
    [JsonIgnore]
    public bool Clean => Failed == 0 && Lost == 0 && Duplicated == 0 && DoubleAssignments == 0 && ReplicasIdentical && Problems.Count == 0;

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public async Task WriteTextAsync(TextWriter output)
    {
        await output.WriteLineAsync();
        await output.WriteLineAsync($"broker experiment on sql VM '{Vm}' ({Sessions} client sessions, {Seconds} s)");
        if (Phases.Count > 1)
        {
            await output.WriteLineAsync($"  {"PHASE",-13} {"SECONDS",8} {"TRANSACTIONS",13} {"ERRORS",7} {"MAX STALL",11} {"BACK TO DUPLEX",15}");
            foreach (var p in Phases)
            {
                var duplex = p.DuplexAfterS is { } d ? $"{d:0.0} s" : "";
                await output.WriteLineAsync($"  {p.Name,-13} {p.Seconds,8:0.0} {p.Acked,13:N0} {p.Failed,7} {p.MaxStallMs,8:N0} ms {duplex,15}");
            }
        }
        await output.WriteLineAsync($"  transactions        {Acked,12:N0}   answered of {Sent:N0} ({TxPerS:N0}/s, p50 {P50Ms} ms, p99 {P99Ms} ms)");
        await output.WriteLineAsync($"  client errors       {Failed,12:N0}   ({Unknown} with unknown outcome, {UnknownCommitted} of them committed)");
        await output.WriteLineAsync($"  log-ons             {Logons,12:N0}   (+{LogonsRefused:N0} refused: no free desktop)");
        await output.WriteLineAsync($"  log-offs            {Logoffs,12:N0}");
        await output.WriteLineAsync($"  heartbeats          {Heartbeats,12:N0}");
        await output.WriteLineAsync($"  queries             {Queries,12:N0}");
        await output.WriteLineAsync($"  lost                {Lost,12:N0}");
        await output.WriteLineAsync($"  duplicated          {Duplicated,12:N0}");
        await output.WriteLineAsync($"  double assignments  {DoubleAssignments,12:N0}");
        await output.WriteLineAsync($"  replicas identical  {(ReplicasIdentical ? "yes" : "NO"),12}   (both at input {AppliedIndex:N0})");
        await output.WriteLineAsync($"  longest stall       {MaxStallMs,9:N1} ms");
        foreach (var problem in Problems) await output.WriteLineAsync($"  ! {problem}");
    }

    private static readonly JsonSerializerOptions JsonOptions = Output.CliJson.Options;
}
