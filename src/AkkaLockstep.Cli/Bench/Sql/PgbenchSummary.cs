using System.Globalization;
using System.Text.RegularExpressions;

namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>The figures of pgbench's closing report that the bench uses.</summary>
public sealed partial record PgbenchSummary(double Tps, long Processed, long Failed)
{
    /// <summary>Reads `number of transactions actually processed: N`, `number of failed transactions: N` and `tps = X`.</summary>
    public static PgbenchSummary Parse(string stdout)
    {
        var processed = ProcessedLine().Match(stdout);
        var tps = TpsLine().Match(stdout);
        if (!processed.Success || !tps.Success)
            throw new CliException($"pgbench printed no transaction count or tps:\n{stdout.Trim()}");
        var failed = FailedLine().Match(stdout);
        return new PgbenchSummary(
            double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(processed.Groups[1].Value, CultureInfo.InvariantCulture),
            failed.Success ? long.Parse(failed.Groups[1].Value, CultureInfo.InvariantCulture) : 0);
    }

    [GeneratedRegex(@"^number of transactions actually processed: (\d+)", RegexOptions.Multiline)]
    private static partial Regex ProcessedLine();

    [GeneratedRegex(@"^number of failed transactions: (\d+)", RegexOptions.Multiline)]
    private static partial Regex FailedLine();

    // pgbench 14+ prints one tps line, "(without initial connection time)"; older ones two, the second "excluding ...".
    [GeneratedRegex(@"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)", RegexOptions.Multiline)]
    private static partial Regex TpsLine();
}
