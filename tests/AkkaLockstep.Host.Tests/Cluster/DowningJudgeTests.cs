using AkkaLockstep.Host.Cluster.Downing;

namespace AkkaLockstep.Host.Tests.Cluster;

public sealed class DowningJudgeTests
{
    private const long Stable = 3000;
    private static readonly JudgedMember Witness = new("w#1", "witness", true, 0);
    private static readonly JudgedMember H1 = new("h1#1", "h1", false, 1);
    private static readonly JudgedMember H2 = new("h2#1", "h2", false, 2);

    private static DowningJudge Cluster()
    {
        var judge = new DowningJudge(Stable);
        foreach (var m in new[] { Witness, H1, H2 }) judge.MemberUp(m, 0);
        return judge;
    }

    private static IReadOnlyList<string> Decide(DowningJudge judge, long now, Func<string, int>? held = null) =>
        judge.Decide(now, held ?? (_ => 0)).Select(v => v.Id).ToArray();

    [Fact]
    public void A_host_the_witness_stops_hearing_is_downed_after_the_stable_time_only()
    {
        var judge = Cluster();
        for (long t = 0; t <= 6000; t += 250) judge.Heard(H1.Id, t);
        Assert.Empty(Decide(judge, 2900));
        Assert.Equal([H2.Id], Decide(judge, 3100));
        Assert.Empty(Decide(judge, 6000));
    }

    [Fact]
    public void An_isolated_witness_downs_nobody()
    {
        var judge = Cluster();
        judge.Unreachable(H1.Id, 100);
        judge.Unreachable(H2.Id, 100);
        Assert.Empty(Decide(judge, 10_000));
    }

    [Fact]
    public void A_cut_between_hosts_keeps_the_host_holding_most_epochs()
    {
        var judge = Cluster();
        judge.Unreachable(H1.Id, 500);
        judge.Unreachable(H2.Id, 500);
        for (long t = 0; t <= 4000; t += 250)
        {
            judge.Heard(H1.Id, t);
            judge.Heard(H2.Id, t);
        }
        Assert.Empty(Decide(judge, 3000, h => h == "h2" ? 3 : 1));
        Assert.Equal([H1.Id], Decide(judge, 3600, h => h == "h2" ? 3 : 1));
    }

    [Fact]
    public void A_cut_that_heals_before_the_stable_time_downs_nobody()
    {
        var judge = Cluster();
        judge.Unreachable(H1.Id, 500);
        judge.Unreachable(H2.Id, 500);
        judge.Reachable(H1.Id);
        judge.Reachable(H2.Id);
        for (long t = 0; t <= 5000; t += 250)
        {
            judge.Heard(H1.Id, t);
            judge.Heard(H2.Id, t);
        }
        Assert.Empty(Decide(judge, 5000));
    }

    [Fact]
    public void The_loser_of_an_arbitration_is_downed_at_once_and_only_once()
    {
        var judge = Cluster();
        judge.Heard(H1.Id, 100);
        judge.Heard(H2.Id, 100);
        judge.LostArbitration(H2.Id);
        Assert.Equal([H2.Id], Decide(judge, 200));
        Assert.Empty(Decide(judge, 300));
    }

    [Fact]
    public void A_verdict_against_an_incarnation_that_already_left_does_not_touch_its_successor()
    {
        var judge = Cluster();
        judge.MemberGone(H2.Id);
        var successor = H2 with { Id = "h2#2", Order = 3 };
        judge.MemberUp(successor, 100);
        judge.LostArbitration(H2.Id);
        judge.Heard(H1.Id, 200);
        judge.Heard(successor.Id, 200);
        Assert.Empty(Decide(judge, 300));
    }

    [Fact]
    public void A_second_member_with_a_taken_name_is_downed()
    {
        var judge = Cluster();
        var impostor = new JudgedMember("h1#9", "h1", false, 5);
        judge.MemberUp(impostor, 100);
        judge.Heard(H1.Id, 100);
        judge.Heard(H2.Id, 100);
        judge.Heard(impostor.Id, 100);
        Assert.Equal([impostor.Id], Decide(judge, 200));
    }
}
