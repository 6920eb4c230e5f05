using System.Globalization;

namespace AkkaLockstep.Cli.Bench.Sql;

/// <summary>What pgbench's per-transaction logs (`-l`) say: every committed transaction's latency and the failures.</summary>
public sealed record PgbenchLog(IReadOnlyList<long> LatenciesUs, long Failed)
{
    /// <summary>
    /// Parses lines of the form `client_id transaction_no time script_no time_epoch time_us [schedule_lag] [retries]`,
    /// where time is the transaction's latency in microseconds, or `failed` / `skipped`.
    /// </summary>
    public static PgbenchLog Parse(IEnumerable<string> lines)
    {
        var latencies = new List<long>();
        long failed = 0;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6)
                throw new FormatException($"not a pgbench transaction log line (expected at least 6 fields): '{line}'");
            if (long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var us)) latencies.Add(us);
            else if (fields[2] is "failed" or "skipped") failed++;
            else throw new FormatException($"pgbench log line with a latency that is not a number: '{line}'");
        }
        return new PgbenchLog(latencies, failed);
    }

    /// <summary>Every file pgbench wrote for <paramref name="prefix"/> (one per thread: PREFIX.PID and PREFIX.PID.N).</summary>
    public static PgbenchLog Read(string directory, string prefix)
    {
        var files = Directory.GetFiles(directory, prefix + ".*");
        if (files.Length == 0) throw new CliException($"pgbench wrote no transaction log {Path.Combine(directory, prefix)}.*");
        return Parse(files.SelectMany(File.ReadLines));
    }
}
