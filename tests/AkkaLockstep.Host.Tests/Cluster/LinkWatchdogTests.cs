using AkkaLockstep.Host.Cluster.Links;

namespace AkkaLockstep.Host.Tests.Cluster;

public sealed class LinkWatchdogTests
{
    private const string H1 = "akka.tcp://lockstep@127.0.0.1:4054#7";
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    private static LinkWatchdog Watching(string member, string? endpoint = "127.0.0.1:9111")
    {
        var watchdog = LinkWatchdog.Default();
        watchdog.Unreachable(member, endpoint, TenSeconds, 0);
        return watchdog;
    }

    [Fact]
    public void Probes_start_only_after_the_member_has_been_unreachable_for_a_while()
    {
        var watchdog = Watching(H1);
        Assert.Empty(watchdog.DueProbes(4_000));
        Assert.Equal([(H1, "127.0.0.1:9111")], watchdog.DueProbes(5_000));
    }

    [Fact]
    public void A_member_that_answers_as_the_same_incarnation_is_wedged_after_the_restart_delay()
    {
        var watchdog = Watching(H1);
        for (var i = 0; i < 3; i++) watchdog.Answered(H1, H1);
        Assert.Null(watchdog.Wedged(9_000));
        Assert.Equal(H1, watchdog.Wedged(10_000));
    }

    [Fact]
    public void A_dead_or_cut_member_is_never_wedged()
    {
        var watchdog = Watching(H1);
        for (var i = 0; i < 10; i++) watchdog.Answered(H1, null);
        Assert.Null(watchdog.Wedged(60_000));
    }

    [Fact]
    public void A_new_incarnation_answering_at_the_same_endpoint_is_not_the_unreachable_member()
    {
        var watchdog = Watching(H1);
        for (var i = 0; i < 10; i++) watchdog.Answered(H1, "akka.tcp://lockstep@127.0.0.1:4054#8");
        Assert.Null(watchdog.Wedged(60_000));
    }

    [Fact]
    public void A_missed_answer_starts_the_count_again()
    {
        var watchdog = Watching(H1);
        watchdog.Answered(H1, H1);
        watchdog.Answered(H1, H1);
        watchdog.Answered(H1, null);
        watchdog.Answered(H1, H1);
        Assert.Null(watchdog.Wedged(60_000));
        watchdog.Answered(H1, H1);
        watchdog.Answered(H1, H1);
        Assert.Equal(H1, watchdog.Wedged(60_000));
    }

    [Fact]
    public void Reachable_again_forgets_the_member()
    {
        var watchdog = Watching(H1);
        for (var i = 0; i < 3; i++) watchdog.Answered(H1, H1);
        watchdog.Forget(H1);
        Assert.Null(watchdog.Wedged(60_000));
        Assert.Empty(watchdog.DueProbes(60_000));
    }

    [Fact]
    public void A_member_without_a_command_endpoint_cannot_be_probed()
    {
        var watchdog = Watching(H1, endpoint: null);
        Assert.Empty(watchdog.DueProbes(60_000));
    }

    [Fact]
    public void The_witness_restarts_first_and_of_two_hosts_the_lower_address_goes_first()
    {
        const string a = "akka.tcp://lockstep@127.0.0.1:4054", b = "akka.tcp://lockstep@127.0.0.1:4055";
        var witness = LinkWatchdog.RestartAfter(true, false, a, b);
        var hostToWitness = LinkWatchdog.RestartAfter(false, true, a, b);
        var lower = LinkWatchdog.RestartAfter(false, false, a, b);
        var higher = LinkWatchdog.RestartAfter(false, false, b, a);
        Assert.True(witness < lower && lower < higher && witness < hostToWitness);
    }
}
