using System.Runtime.CompilerServices;
using BertGen.Explore;

namespace BertGen.Testing;

/// <summary>
/// Snapshot tests of tensors with a tolerance. A tensor view (from <see cref="Explorer.Tensor"/>) or a named set of them
/// is approved once as a text file a person reviews, <c>__snapshots__/NAME.approved.txt</c> beside the test: a header
/// (tensor, layer, head, sample, epoch, shape, model configuration), rows and columns labelled with tokens, values at
/// full float precision. A later run passes when every cell lies within the tolerance of the approved one, and fails
/// with a table of the cells outside it. The received values are written beside it as <c>NAME.received.txt</c>.
/// </summary>
/// <example>
/// <code>
/// var explorer = new Explorer(run.Captures);
/// TensorSnapshot.Match(explorer.Tensor(new TensorQuery(Sample: 0, Epoch: 10, "attn", Layer: 0, Head: 2)), "attention-epoch-10");
/// </code>
/// </example>
public static class TensorSnapshot
{
    /// <summary>Checks one tensor against the approved snapshot <paramref name="name"/>.</summary>
    /// <param name="view">The tensor received.</param>
    /// <param name="name">The snapshot's name: its file is NAME.approved.txt.</param>
    /// <param name="settings">Tolerances, folder and mode; null for <see cref="SnapshotSettings.Default"/>.</param>
    /// <param name="callerFile">Filled in by the compiler: the calling test's source file, beside which __snapshots__ lies.</param>
    /// <exception cref="SnapshotMismatchException">The values differ beyond the tolerance, or there is no approved snapshot.</exception>
    public static void Match(TensorView view, string name, SnapshotSettings? settings = null, [CallerFilePath] string callerFile = "") =>
        Match([view], name, settings, callerFile);

    /// <summary>Checks a named set of tensors, kept in one file in the given order, against the approved snapshot <paramref name="name"/>.</summary>
    /// <inheritdoc cref="Match(TensorView, string, SnapshotSettings?, string)"/>
    public static void Match(IEnumerable<TensorView> views, string name, SnapshotSettings? settings = null, [CallerFilePath] string callerFile = "")
    {
        settings ??= SnapshotSettings.Default;
        var received = views.Select(SnapshotTensor.From).ToList();
        var files = new SnapshotFiles(name, settings, callerFile);
        string receivedText = SnapshotDocument.Write(received);
        if (files.Settle(receivedText) is not { } approvedText)
        {
            return;
        }

        var approved = Parse(approvedText, files.Approved);
        if (SnapshotComparison.Differences(approved, received, settings) is { } differences)
        {
            files.Fail(receivedText, $"Tensor snapshot '{name}' differs from {files.Approved}:\n{differences}");
        }

        files.Passed();
    }

    /// <summary>Checks text (a table, a figure) against the approved snapshot <paramref name="name"/>, exactly.</summary>
    /// <param name="text">The text received.</param>
    /// <param name="name">The snapshot's name: its file is NAME.approved.txt.</param>
    /// <param name="settings">Folder and mode; null for <see cref="SnapshotSettings.Default"/>.</param>
    /// <param name="callerFile">Filled in by the compiler: the calling test's source file.</param>
    /// <exception cref="SnapshotMismatchException">The text differs, or there is no approved snapshot.</exception>
    public static void MatchText(string text, string name, SnapshotSettings? settings = null, [CallerFilePath] string callerFile = "")
    {
        settings ??= SnapshotSettings.Default;
        var files = new SnapshotFiles(name, settings, callerFile);
        text = text.ReplaceLineEndings("\n");
        if (files.Settle(text) is not { } approved)
        {
            return;
        }

        approved = approved.ReplaceLineEndings("\n");
        if (approved != text)
        {
            var a = approved.Split('\n');
            var r = text.Split('\n');
            int line = Enumerable.Range(0, Math.Min(a.Length, r.Length)).FirstOrDefault(i => a[i] != r[i], Math.Min(a.Length, r.Length));
            files.Fail(text,
                $"Text snapshot '{name}' differs from {files.Approved} first at line {line + 1}:\n" +
                $"  approved: {(line < a.Length ? a[line] : "(end of text)")}\n" +
                $"  received: {(line < r.Length ? r[line] : "(end of text)")}");
        }

        files.Passed();
    }

    private static List<SnapshotTensor> Parse(string text, string path)
    {
        try
        {
            return SnapshotDocument.Parse(text, path);
        }
        catch (FormatException e)
        {
            throw new SnapshotMismatchException($"{path} is not a tensor snapshot: {e.Message}");
        }
    }

    /// <summary>The approved and received files of one snapshot, and what the mode does with them.</summary>
    private sealed class SnapshotFiles
    {
        private readonly SnapshotSettings _settings;

        public SnapshotFiles(string name, SnapshotSettings settings, string callerFile)
        {
            if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/') || name.Contains('\\'))
            {
                throw new ArgumentException($"'{name}' cannot name a snapshot file; use letters, digits, '-', '_' and '.'.", nameof(name));
            }

            _settings = settings;
            string directory = settings.Directory ?? Path.Combine(Path.GetDirectoryName(callerFile) ?? ".", "__snapshots__");
            if (settings.Directory is null && !System.IO.Directory.Exists(Path.GetDirectoryName(callerFile)))
            {
                throw new SnapshotMismatchException(
                    $"the test's source folder '{Path.GetDirectoryName(callerFile)}' does not exist here (a build with mapped paths?); set SnapshotSettings.Directory.");
            }

            Approved = Path.Combine(directory, name + ".approved.txt");
            Received = Path.Combine(directory, name + ".received.txt");
        }

        public string Approved { get; }

        public string Received { get; }

        /// <summary>
        /// Handles a missing approved file and accept mode; returns the approved text to compare with, or null when the
        /// snapshot is settled (accepted).
        /// </summary>
        public string? Settle(string received)
        {
            var mode = _settings.EffectiveMode;
            if (mode == SnapshotMode.Accept)
            {
                Write(Approved, received);
                Delete(Received);
                return null;
            }

            if (!File.Exists(Approved))
            {
                Write(Received, received);
                throw new SnapshotMismatchException(mode == SnapshotMode.Strict
                    ? $"There is no approved snapshot {Approved} (strict mode: CI or {SnapshotSettings.StrictVariable} is set). What the test received is in {Received}; review it and commit it as {Path.GetFileName(Approved)}."
                    : $"There is no approved snapshot {Approved} yet. What the test received is in {Received}; review it and rename it to {Path.GetFileName(Approved)} (or run with {SnapshotSettings.AcceptVariable}=1).");
            }

            return File.ReadAllText(Approved);
        }

        /// <summary>Writes the received file and fails with <paramref name="message"/>.</summary>
        public void Fail(string received, string message)
        {
            Write(Received, received);
            throw new SnapshotMismatchException(
                $"{message}\nThe received values are in {Received}; to approve them, replace the approved file with it (or run with {SnapshotSettings.AcceptVariable}=1).");
        }

        /// <summary>A passing snapshot leaves no received file behind.</summary>
        public void Passed() => Delete(Received);

        private static void Write(string path, string text)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, text);
        }

        private static void Delete(string path)
        {
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
    }
}
