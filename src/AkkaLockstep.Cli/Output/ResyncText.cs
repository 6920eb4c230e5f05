using System.Globalization;
using AkkaLockstep.Host.Api;

namespace AkkaLockstep.Cli.Output;

/// <summary>How resync progress reads on a terminal: a bar, the gap left in inputs and bytes, the pace and the time still needed.</summary>
public static class ResyncText
{
    private const int BarWidth = 30;

    public static string Bar(double percent)
    {
        var filled = (int)Math.Round(Math.Clamp(percent, 0, 100) / 100 * BarWidth);
        return "[" + new string('#', filled) + new string('.', BarWidth - filled) + "]";
    }

    public static string Describe(ResyncInfo r) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{r.Percent,5:0.0}%  lag {r.LagInputs:N0} inputs ({Bytes(r.LagBytes)})  {r.InputsPerSecond:N0} inputs/s  ETA {Eta(r.EtaSeconds)}");

    /// <summary>One line for `vm show --watch`: the VM's state, and on a resync the bar and the numbers.</summary>
    public static string WatchLine(VmInfo vm)
    {
        var primary = vm.Replicas.FirstOrDefault(r => r.Role == "primary");
        var secondary = vm.Replicas.FirstOrDefault(r => r.Host != primary?.Host);
        return primary?.Resync is { } resync
            ? $"{vm.Name}: resyncing {secondary?.Host ?? "peer"} from {primary.Host} {Bar(resync.Percent)} {Describe(resync)}"
            : $"{vm.Name}: {vm.State}, primary {vm.Primary ?? "(none)"}, epoch {vm.Epoch}";
    }

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.00} GiB"),
    };

    private static string Eta(double? seconds) => seconds switch
    {
        null => "unknown",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.0} s"),
        _ => TimeSpan.FromSeconds(seconds.Value).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture),
    };
}
