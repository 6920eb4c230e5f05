namespace AkkaLockstep.Cli.Broker;

/// <summary>
/// The broker's fixed data for a run: desktop groups, their desktops and the users entitled to each group. Every
/// client session owns <see cref="UsersPerClient"/> users, so no two clients ever act for the same user. A group
/// has fewer desktops than users, so log-ons are sometimes refused for want of a free desktop, as in a real pool.
/// </summary>
public sealed record BrokerLayout(IReadOnlyList<string> Groups, IReadOnlyList<BrokerDesktop> Desktops, IReadOnlyList<BrokerUser> Users)
{
    public const int UsersPerClient = 4;
    private static readonly string[] GroupNames = ["engineering", "finance", "support", "sales"];

    public static BrokerLayout For(int clients)
    {
        if (clients < 1) throw new ArgumentOutOfRangeException(nameof(clients), clients, "at least one client");
        var users = Enumerable.Range(0, clients * UsersPerClient)
            .Select(i => new BrokerUser(i + 1, $"user{i + 1:D4}", i % GroupNames.Length + 1)).ToList();
        var desktops = new List<BrokerDesktop>();
        for (var g = 1; g <= GroupNames.Length; g++)
        {
            var entitled = users.Count(u => u.GroupId == g);
            var count = Math.Max(1, entitled * 3 / 4);
            for (var d = 1; d <= count; d++) desktops.Add(new BrokerDesktop(desktops.Count + 1, $"{GroupNames[g - 1]}-vd{d:D3}", g));
        }
        return new BrokerLayout(GroupNames, desktops, users);
    }

    /// <summary>The users that client <paramref name="client"/> (0-based) acts for.</summary>
    public IReadOnlyList<BrokerUser> UsersOf(int client) => Users.Skip(client * UsersPerClient).Take(UsersPerClient).ToList();
}

public sealed record BrokerDesktop(long Id, string Name, long GroupId);

public sealed record BrokerUser(long Id, string Name, long GroupId);
