using System.Text.RegularExpressions;

namespace AkkaLockstep.Cli.Bench;

/// <summary>
/// How long a full copy's transfer took, as the primary logs it when its peer holds every piece ("VM on HOST: PEER
/// holds the whole copy at index N (B bytes), T ms after the copy started"): the copy alone, without the checkpoint it
/// may have waited for or the peer's install.
/// </summary>
public static partial class CopyTransferLog
{
    [GeneratedRegex(@" on (?<host>[^ :]+): (?<peer>[^ ]+) holds the whole copy at index \d+ \((?<bytes>\d+) bytes\), (?<ms>\d+) ms after the copy started")]
    private static partial Regex Held();

    /// <summary>The last copy of <paramref name="vm"/> a primary's log records as held: its bytes and transfer time.</summary>
    public static (long Bytes, long Ms)? Last(IEnumerable<string> lines, string vm)
    {
        (long, long)? last = null;
        var prefix = $"] {vm} on ";
        foreach (var line in lines)
        {
            var at = line.IndexOf(prefix, StringComparison.Ordinal);
            if (at < 0) continue;
            var match = Held().Match(line, at + 1 + vm.Length);
            if (match.Success) last = (long.Parse(match.Groups["bytes"].Value), long.Parse(match.Groups["ms"].Value));
        }
        return last;
    }

    /// <summary>MB/s (10^6 bytes) of a transfer; null when there is none or it took no time.</summary>
    public static double? MbPerSecond((long Bytes, long Ms)? transfer) =>
        transfer is { Ms: > 0 } t ? Math.Round(t.Bytes / 1e6 / (t.Ms / 1000.0), 1) : null;
}
