namespace AkkaLockstep.Cli.Netns;

/// <summary>
/// Where one member lives in a --netns cluster: its namespace, the veth end left on the bridge in the root
/// namespace, the other end's name until it is moved into the namespace and renamed `eth0`, and its address.
/// </summary>
public sealed record MemberNetwork(string Name, string Namespace, string HostVeth, string PeerVeth, string Address);
