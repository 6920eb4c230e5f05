using System.Runtime.InteropServices;

namespace AkkaLockstep.Cli.LocalCluster;

/// <summary>Signals by PID: .NET itself can only send SIGKILL (Process.Kill).</summary>
internal static class PosixSignals
{
    private const int SigTerm = 15;
    private const int SigStop = 19;
    private const int SigCont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    public static bool Terminate(int pid) => Kill(pid, SigTerm) == 0;

    /// <summary>Freezes a process (chaos: a host that stops answering without dying).</summary>
    public static bool Pause(int pid) => Kill(pid, SigStop) == 0;

    public static bool Resume(int pid) => Kill(pid, SigCont) == 0;
}
