namespace AkkaLockstep.Guests.Sql;

/// <summary>
/// Output of a Script command: the result of each statement run, in order. When a statement failed it is the last
/// (those after it did not run); when another session's transaction held the database, the only result is Busy and
/// nothing ran. Wire form (version 1): version byte <c>1</c>, a varint result count, and each result's bytes
/// (<see cref="SqlResult"/>) with a varint length.
/// </summary>
public sealed class SqlScriptResult(IReadOnlyList<SqlResult> results)
{
    public const byte Version = 1;

    public IReadOnlyList<SqlResult> Results { get; } = results;

    /// <summary>Nothing ran: another session's transaction holds the database. Retry the whole script.</summary>
    public bool IsBusy => Results is [{ Status: SqlStatus.Busy }];

    public byte[] Encode() => Encode(Results.Select(r => r.Encode()).ToList());

    /// <summary>The wire form from results already encoded (the guest measures each result's size by encoding it).</summary>
    public static byte[] Encode(IReadOnlyList<byte[]> encodedResults)
    {
        var writer = new SqlWriter();
        writer.Byte(Version);
        writer.UVarint((ulong)encodedResults.Count);
        foreach (var result in encodedResults) writer.Bytes(result);
        return writer.ToArray();
    }

    /// <summary>Decodes strictly; returns an error text instead of throwing on malformed bytes.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out SqlScriptResult? script, out string? error)
    {
        script = null;
        var reader = new SqlReader(bytes);
        if (!reader.Byte(out var version) || version != Version)
        {
            error = reader.Error is null ? $"unsupported sql script result version {version}" : "empty sql script result";
            return false;
        }
        // Every result takes at least four bytes (version, status, state and an empty tag or code).
        if (!reader.Count(out var count, 4)) { error = $"malformed sql script result: {reader.Error}"; return false; }
        var results = new SqlResult[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.Bytes(out var encoded)) { error = $"malformed sql script result {i + 1}: {reader.Error}"; return false; }
            if (!SqlResult.TryDecode(encoded, out var result, out error))
            {
                error = $"sql script result {i + 1}: {error}";
                return false;
            }
            results[i] = result!;
        }
        if (!reader.AtEnd) { error = "trailing bytes after sql script result"; return false; }
        script = new SqlScriptResult(results);
        error = null;
        return true;
    }

    /// <summary>Decodes; throws <see cref="InvalidDataException"/> on malformed bytes.</summary>
    public static SqlScriptResult Decode(ReadOnlySpan<byte> bytes) =>
        TryDecode(bytes, out var script, out var error) ? script! : throw new InvalidDataException(error);
}
