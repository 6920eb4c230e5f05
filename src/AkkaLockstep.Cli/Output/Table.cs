namespace AkkaLockstep.Cli.Output;

/// <summary>A plain text table: columns left-aligned and separated by two spaces, with a header row.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public Table Add(params string[] cells)
    {
        if (cells.Length != headers.Length)
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public void WriteTo(TextWriter output)
    {
        var all = _rows.Prepend(headers).ToList();
        var widths = Enumerable.Range(0, headers.Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
            output.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
    }
}
