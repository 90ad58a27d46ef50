namespace ModelGen.Cli.Output;

/// <summary>Plain-text table with aligned columns: text columns left-aligned, number columns right-aligned.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly bool[] _rightAligned;
    private readonly List<string[]> _rows = [];

    /// <param name="columns">Header text and alignment of each column.</param>
    public TextTable(params (string Header, bool RightAligned)[] columns)
    {
        _headers = columns.Select(c => c.Header).ToArray();
        _rightAligned = columns.Select(c => c.RightAligned).ToArray();
    }

    public void Add(params string[] cells)
    {
        if (cells.Length != _headers.Length)
            throw new ArgumentException($"expected {_headers.Length} cells, got {cells.Length}", nameof(cells));
        _rows.Add(cells);
    }

    public void Write(TextWriter writer)
    {
        int[] widths = new int[_headers.Length];
        foreach (string[] row in _rows.Prepend(_headers))
        {
            for (int i = 0; i < row.Length; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);
        }
        foreach (string[] row in _rows.Prepend(_headers))
        {
            var cells = row.Select((cell, i) => _rightAligned[i] ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
            writer.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
