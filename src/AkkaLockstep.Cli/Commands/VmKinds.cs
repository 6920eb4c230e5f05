using AkkaLockstep.Guests;

namespace AkkaLockstep.Cli.Commands;

/// <summary>The guest kinds `vm protect --kind` accepts: those the hosts' guest catalog can run.</summary>
internal static class VmKinds
{
    public static readonly string[] Known = [.. GuestCatalog.Kinds];
}
