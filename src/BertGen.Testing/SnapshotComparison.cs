using System.Globalization;
using System.Text;

namespace BertGen.Testing;

/// <summary>Compares received tensors with approved ones and says, cell by labelled cell, what differs.</summary>
internal static class SnapshotComparison
{
    /// <summary>Cells listed in a failure message; the count of all that differ is always given.</summary>
    public const int MaxListedCells = 40;

    /// <summary>What differs, as a message; null when everything agrees within the tolerance.</summary>
    public static string? Differences(IReadOnlyList<SnapshotTensor> approved, IReadOnlyList<SnapshotTensor> received, SnapshotSettings settings)
    {
        if (approved.Count != received.Count)
        {
            return $"the approved snapshot holds {approved.Count} tensor(s) ({Titles(approved)}), the received {received.Count} ({Titles(received)}).";
        }

        var text = new StringBuilder();
        for (int t = 0; t < approved.Count; t++)
        {
            if (Differences(approved[t], received[t], settings) is { } difference)
            {
                text.Append(difference).Append('\n');
            }
        }

        return text.Length == 0 ? null : text.ToString().TrimEnd('\n');
    }

    private static string? Differences(SnapshotTensor approved, SnapshotTensor received, SnapshotSettings settings)
    {
        var headers = approved.Header.Select(h => h.Key).Union(received.Header.Select(h => h.Key))
            .Where(k => approved[k] != received[k])
            .Select(k => $"  {k}: approved {approved[k] ?? "(none)"}, received {received[k] ?? "(none)"}")
            .ToList();
        if (headers.Count > 0)
        {
            return $"{approved.Title}: the tensor is not the one approved:\n{string.Join('\n', headers)}";
        }

        if (!approved.RowLabels.SequenceEqual(received.RowLabels) || !approved.ColumnLabels.SequenceEqual(received.ColumnLabels))
        {
            return $"{approved.Title}: the labels differ:\n" +
                $"  approved {approved.RowLabels.Length} rows [{string.Join(", ", approved.RowLabels)}] x {approved.ColumnLabels.Length} columns [{string.Join(", ", approved.ColumnLabels)}]\n" +
                $"  received {received.RowLabels.Length} rows [{string.Join(", ", received.RowLabels)}] x {received.ColumnLabels.Length} columns [{string.Join(", ", received.ColumnLabels)}]";
        }

        var failed = new List<(int Row, int Column)>();
        for (int r = 0; r < approved.RowLabels.Length; r++)
        {
            for (int c = 0; c < approved.ColumnLabels.Length; c++)
            {
                if (!settings.Within(approved[r, c], received[r, c]))
                {
                    failed.Add((r, c));
                }
            }
        }

        if (failed.Count == 0)
        {
            return null;
        }

        string tolerance = string.Create(CultureInfo.InvariantCulture, $"{settings.AbsoluteTolerance:G3} + {settings.RelativeTolerance:G3} x |expected|");
        var table = new List<string[]> { new[] { "layer", "head", "row", "column", "expected", "actual", "difference" } };
        foreach (var (r, c) in failed.Take(MaxListedCells))
        {
            float e = approved[r, c], a = received[r, c];
            table.Add([
                approved["layer"] ?? "-", approved["head"] ?? "-", approved.RowLabels[r], approved.ColumnLabels[c],
                SnapshotDocument.Number(e), SnapshotDocument.Number(a), ((double)a - e).ToString("G3", CultureInfo.InvariantCulture)]);
        }

        var widths = Enumerable.Range(0, table[0].Length).Select(i => table.Max(row => row[i].Length)).ToArray();
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"{approved.Title}: {failed.Count} of {approved.Values.Length} cells differ by more than {tolerance}:\n"));
        foreach (var row in table)
        {
            text.Append("  ").Append(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).Append('\n');
        }

        if (failed.Count > MaxListedCells)
        {
            text.Append(CultureInfo.InvariantCulture, $"  ... and {failed.Count - MaxListedCells} more\n");
        }

        return text.ToString().TrimEnd('\n');
    }

    private static string Titles(IReadOnlyList<SnapshotTensor> tensors) => string.Join("; ", tensors.Select(t => t.Title));
}
