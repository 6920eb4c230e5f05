namespace AkkaLockstep.Cli.Commands;

/// <summary>The guest kinds `vm protect --kind` accepts; a kind is listed here once the hosts can run it.</summary>
internal static class VmKinds
{
    public static readonly string[] Known = ["kv"];
}
