using AkkaLockstep.Host.Endpoints;
using AkkaLockstep.Host.Placement;
using AkkaLockstep.Wire;
using Google.Protobuf;

namespace AkkaLockstep.Host.Tests.Endpoints;

/// <summary>
/// A host that has not read its placement yet (just started, or restarting after being downed) must not tell
/// clients that a VM does not exist: they would give up on it.
/// </summary>
public sealed class ClientRequestRouterTests
{
    private static HostDirectory NewDirectory() =>
        new(new HostOptions { Name = "h1", Role = HostOptions.HostRole, DataDir = Path.GetTempPath() });

    private static Task<LocateResponse> LocateAsync(ClientRequestRouter router, string vm) =>
        router.LocateAsync(new LocateRequest { Correlation = 1, Vm = vm }, CancellationToken.None);

    private static Task<Response> SendAsync(ClientRequestRouter router, string vm) =>
        router.HandleAsync(new Request { Correlation = 1, Vm = vm, SessionId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()), RequestNo = 1 },
            CancellationToken.None);

    [Fact]
    public async Task Before_the_placement_is_read_a_vm_is_unavailable_not_unknown()
    {
        var router = new ClientRequestRouter(NewDirectory());
        var locate = await LocateAsync(router, "db");
        Assert.Equal(Status.Unavailable, locate.Status);
        Assert.Contains("has not read the placement yet", locate.Error);
        Assert.Equal(Status.Unavailable, (await SendAsync(router, "db")).Status);
    }

    [Fact]
    public async Task Once_the_placement_is_read_a_vm_it_lacks_is_unknown_even_when_it_holds_none()
    {
        var directory = NewDirectory();
        var router = new ClientRequestRouter(directory);
        directory.SetPlacement(PlacementTable.Empty);
        Assert.Equal(Status.UnknownVm, (await LocateAsync(router, "db")).Status);
        Assert.Equal(Status.UnknownVm, (await SendAsync(router, "db")).Status);

        directory.SetPlacement(new PlacementTable(1, [new VmPlacement("db", "kv", ["h1", "h2"])]));
        Assert.Equal(Status.Ok, (await LocateAsync(router, "db")).Status);
        Assert.Equal(Status.UnknownVm, (await LocateAsync(router, "other")).Status);
    }
}
