using System.Globalization;

namespace AkkaLockstep.Cli.Bench;

/// <summary>
/// The whole machine's CPU time so far, busy and in all, from the first line of <c>/proc/stat</c> (Linux): what a
/// bench run cost, whichever process spent it (hosts, witness, gateway, pgbench, PostgreSQL servers).
/// </summary>
public readonly record struct MachineCpu(long BusyTicks, long TotalTicks)
{
    /// <summary>USER_HZ, the unit of <c>/proc/stat</c>: 100 on every Linux .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Now; null where there is no <c>/proc/stat</c>.</summary>
    public static MachineCpu? Read()
    {
        const string path = "/proc/stat";
        return OperatingSystem.IsLinux() && File.Exists(path) ? Parse(File.ReadLines(path).First()) : null;
    }

    /// <summary>Reads <c>cpu user nice system idle iowait irq softirq steal [guest guest_nice]</c>; guest time is inside user.</summary>
    /// <exception cref="FormatException">Not such a line.</exception>
    public static MachineCpu Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu") throw new FormatException($"not the cpu line of /proc/stat: '{line}'");
        var ticks = fields[1..9].Select(f => long.Parse(f, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        var total = ticks.Sum();
        var idle = ticks[3] + ticks[4];
        return new MachineCpu(total - idle, total);
    }

    /// <summary>CPU seconds the machine spent busy since <paramref name="before"/>, on all cores together.</summary>
    public double BusySecondsSince(MachineCpu before) => (BusyTicks - before.BusyTicks) / TicksPerSecond;

    /// <summary>The share of all cores busy since <paramref name="before"/> (0 to 1).</summary>
    public double BusyShareSince(MachineCpu before) =>
        TotalTicks > before.TotalTicks ? (double)(BusyTicks - before.BusyTicks) / (TotalTicks - before.TotalTicks) : 0;
}
