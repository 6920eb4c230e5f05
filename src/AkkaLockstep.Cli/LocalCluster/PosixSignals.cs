using System.Runtime.InteropServices;

namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>SIGTERM for a process by PID; .NET can only send SIGKILL (Process.Kill), which skips a graceful leave.</summary>
internal static class PosixSignals
{
    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public static bool Terminate(int pid) => Kill(pid, SigTerm) == 0;
}
