namespace AkkaLockstep.Host.Cluster.Downing;

/// <summary>
/// A cluster member as the downing judge sees it; <see cref="Id"/> names one incarnation (address + uid),
/// <see cref="Order"/> is when the witness first saw it (older members have lower numbers).
/// </summary>
public sealed record JudgedMember(string Id, string Name, bool IsWitness, long Order);

/// <summary>
/// Cluster downing decided by the witness, so that it agrees with the witness's arbitration of VMs. Pure: the
/// witness's downing actor feeds it membership, reachability, its own heartbeats from hosts and verdicts, and
/// downs what it returns. Akka's keep-majority cannot tell a host↔host cut from a dead host with two hosts and a
/// witness (both hosts look "indirectly connected" and are downed); here:
/// <list type="bullet">
/// <item>a host that lost an arbitration at the witness (its peer was granted a failover epoch against it) is
/// downed at once: it is the side the data plane already gave up on;</item>
/// <item>a host the witness has not heard for <c>stableAfterMs</c> is downed, but only while the witness hears
/// some other host (an isolated witness downs nobody: after healing its verdict would stop healthy hosts);</item>
/// <item>hosts the witness hears but that the cluster marks unreachable (a cut between hosts) for
/// <c>stableAfterMs</c>: all but one are downed, keeping the host that holds most VM epochs;</item>
/// <item>a second member announcing an existing host's name is downed.</item>
/// </list>
/// </summary>
public sealed class DowningJudge(long stableAfterMs)
{
    private readonly Dictionary<string, JudgedMember> _members = new();
    private readonly Dictionary<string, long> _unreachableSince = new();
    private readonly Dictionary<string, long> _heardMs = new();
    private readonly HashSet<string> _condemned = new();
    private readonly HashSet<string> _downed = new();
    private long _startedMs = -1;

    public long StableAfterMs { get; } = stableAfterMs;

    public void MemberUp(JudgedMember member, long nowMs)
    {
        _members.TryAdd(member.Id, member);
        // A member that just joined counts as heard: the witness has not had a chance to hear it yet.
        _heardMs.TryAdd(member.Id, nowMs);
    }

    public void MemberGone(string id)
    {
        _members.Remove(id);
        _unreachableSince.Remove(id);
        _heardMs.Remove(id);
        _condemned.Remove(id);
        _downed.Remove(id);
    }

    public void Unreachable(string id, long nowMs) => _unreachableSince.TryAdd(id, nowMs);

    public void Reachable(string id) => _unreachableSince.Remove(id);

    public void Heard(string id, long nowMs)
    {
        if (_members.ContainsKey(id)) _heardMs[id] = nowMs;
    }

    /// <summary>The witness granted a failover epoch against this host incarnation: it goes.</summary>
    public void LostArbitration(string id)
    {
        if (_members.ContainsKey(id)) _condemned.Add(id);
    }

    /// <summary>Members to down now, each returned once.</summary>
    public IReadOnlyList<(string Id, string Reason)> Decide(long nowMs, Func<string, int> epochsHeldBy)
    {
        if (_startedMs < 0) _startedMs = nowMs;
        var verdicts = new List<(string, string)>();
        void Down(JudgedMember m, string reason)
        {
            if (_downed.Add(m.Id)) verdicts.Add((m.Id, reason));
        }

        var hosts = _members.Values.Where(m => !m.IsWitness && !_downed.Contains(m.Id)).OrderBy(m => m.Order).ToList();
        foreach (var duplicate in hosts.GroupBy(h => h.Name).SelectMany(g => g.Skip(1)))
            Down(duplicate, $"a host named '{duplicate.Name}' is already a member");
        foreach (var host in hosts.Where(h => _condemned.Contains(h.Id)))
            Down(host, $"{host.Name} lost the witness's arbitration to its peer");

        hosts = hosts.Where(h => !_downed.Contains(h.Id)).ToList();
        var stable = nowMs - StableAfterMs;
        bool HeardRecently(JudgedMember h) => _heardMs.GetValueOrDefault(h.Id, long.MinValue) > stable;
        var heard = hosts.Where(HeardRecently).ToList();
        if (heard.Count == 0) return verdicts;
        foreach (var silent in hosts.Where(h => !HeardRecently(h)))
            Down(silent, $"the witness has not heard {silent.Name} for {StableAfterMs} ms");

        var cut = heard.Where(h => _unreachableSince.TryGetValue(h.Id, out var since) && since <= stable).ToList();
        if (cut.Count == 0) return verdicts;
        // Keep the host holding most epochs if it is in the cut set, else the set's oldest member stays as it is.
        var keep = heard.Count == cut.Count
            ? cut.OrderByDescending(h => epochsHeldBy(h.Name)).ThenBy(h => h.Name, StringComparer.Ordinal).First()
            : null;
        foreach (var host in cut.Where(h => h != keep))
            Down(host, $"{host.Name} is cut from the other host(s) while the witness hears it");
        return verdicts;
    }
}
