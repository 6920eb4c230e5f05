namespace AkkaLockstep.Host.Cluster.Links;

/// <summary>
/// Decides when this node's remoting link to another member is wedged: Akka has marked the member unreachable
/// for a while, yet the member keeps answering on its command endpoint as the very same incarnation. A dead or
/// cut-off member cannot answer there, so only a stuck association matches, and restarting this node's actor
/// system is what clears it (a classic-remoting endpoint to a quickly restarted address can stay silent for good).
/// Pure: the actor feeds it events and probe answers with the time.
/// </summary>
public sealed class LinkWatchdog(TimeSpan probeAfter, int probesNeeded)
{
    private sealed class Link(string memberId, string? commandEndpoint, TimeSpan restartAfter, long unreachableSinceMs)
    {
        public string MemberId { get; } = memberId;
        public string? CommandEndpoint { get; } = commandEndpoint;
        public TimeSpan RestartAfter { get; } = restartAfter;
        public long UnreachableSinceMs { get; } = unreachableSinceMs;
        public int AliveAnswers { get; set; }
    }

    private readonly Dictionary<string, Link> _links = new(StringComparer.Ordinal);

    /// <summary>Standard settings: probe once a member is unreachable for 5 s, and want three answers in a row.</summary>
    public static LinkWatchdog Default() => new(TimeSpan.FromSeconds(5), 3);

    /// <summary>
    /// How long a wedged link is tolerated before this node restarts. The witness goes first: it carries no replicas,
    /// so its restart costs nothing. Between hosts, the one with the lower address goes first, so that one restart
    /// clears the link and the other host never needs to.
    /// </summary>
    public static TimeSpan RestartAfter(bool selfIsWitness, bool otherIsWitness, string selfAddress, string otherAddress) =>
        selfIsWitness ? TimeSpan.FromSeconds(10)
        : otherIsWitness ? TimeSpan.FromSeconds(30)
        : string.CompareOrdinal(selfAddress, otherAddress) < 0 ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(30);

    public void Unreachable(string memberId, string? commandEndpoint, TimeSpan restartAfter, long nowMs)
    {
        if (!_links.ContainsKey(memberId)) _links[memberId] = new Link(memberId, commandEndpoint, restartAfter, nowMs);
    }

    /// <summary>The member is reachable again, or left the cluster: nothing to watch.</summary>
    public void Forget(string memberId) => _links.Remove(memberId);

    /// <summary>Members to probe now: (member id, command endpoint).</summary>
    public IReadOnlyList<(string MemberId, string CommandEndpoint)> DueProbes(long nowMs) =>
        _links.Values.Where(l => l.CommandEndpoint is not null && nowMs - l.UnreachableSinceMs >= (long)probeAfter.TotalMilliseconds)
            .Select(l => (l.MemberId, l.CommandEndpoint!)).ToArray();

    /// <summary>
    /// A probe's answer: the member id the endpoint reported (null when it did not answer). Only an answer naming the
    /// same incarnation counts; anything else starts the count again.
    /// </summary>
    public void Answered(string memberId, string? reportedMemberId)
    {
        if (!_links.TryGetValue(memberId, out var link)) return;
        link.AliveAnswers = reportedMemberId == memberId ? link.AliveAnswers + 1 : 0;
    }

    /// <summary>The member whose link is wedged long enough for this node to restart, if any.</summary>
    public string? Wedged(long nowMs) =>
        _links.Values.FirstOrDefault(l => l.AliveAnswers >= probesNeeded && nowMs - l.UnreachableSinceMs >= (long)l.RestartAfter.TotalMilliseconds)?.MemberId;
}
