using System.Globalization;
using System.Text.Json;
using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>A finished (or running) training run read back from its folder: configuration, vocabulary, samples, metrics, captures.</summary>
public sealed class RunArchive : IRunRecord
{
    private readonly Dictionary<int, CaptureFile> _captures = new();
    private IReadOnlyList<EpochMetrics>? _metrics;

    private RunArchive(RunFolder folder, ModelConfig config, Vocabulary vocabulary, IReadOnlyList<EncodedSample> samples, IReadOnlyList<int> capturedEpochs)
    {
        Folder = folder;
        Config = config;
        Vocabulary = vocabulary;
        Samples = samples;
        CapturedEpochs = capturedEpochs;
    }

    /// <summary>The run's folder.</summary>
    public RunFolder Folder { get; }

    /// <summary>The run folder's full path.</summary>
    public string Name => Folder.Path;

    /// <inheritdoc/>
    public ModelConfig Config { get; }

    /// <inheritdoc/>
    public Vocabulary Vocabulary { get; }

    /// <summary>The samples as first masked (samples.json).</summary>
    public IReadOnlyList<EncodedSample> Samples { get; }

    /// <summary>Epochs with a capture file, in order.</summary>
    public IReadOnlyList<int> CapturedEpochs { get; }

    /// <summary>Every row of metrics.csv (empty while the run has not finished).</summary>
    public IReadOnlyList<EpochMetrics> Metrics => _metrics ??= Folder.ReadMetrics();

    /// <summary>Opens the run at <paramref name="path"/>, or the newest run under runs/ when it is null.</summary>
    /// <exception cref="InputException">There is no such run, or one of its files is unreadable.</exception>
    public static RunArchive Open(string? path)
    {
        var folder = new RunFolder(path ?? Newest());
        if (!File.Exists(folder.ConfigFile))
        {
            string runs = Listing();
            throw new InputException(Directory.Exists(folder.Path)
                ? $"'{path}' is not a run folder: it has no config.json.{runs}"
                : $"there is no run '{path}'.{runs}");
        }

        var config = folder.ReadModelConfig();
        var vocabulary = folder.ReadVocabulary(config);
        var samples = folder.ReadSamples(config, vocabulary);
        return new RunArchive(folder, config, vocabulary, samples, folder.CapturedEpochs());
    }

    /// <summary>The capture of <paramref name="epoch"/>.</summary>
    /// <exception cref="InputException">That epoch was not captured; the message lists those that were.</exception>
    public CaptureFile Capture(int epoch)
    {
        if (!CapturedEpochs.Contains(epoch))
        {
            throw CaptureFile.NotCaptured(epoch, CapturedEpochs);
        }

        if (!_captures.TryGetValue(epoch, out var capture))
        {
            capture = CaptureFile.Read(Folder.CaptureFile(epoch), Config);
            _captures[epoch] = capture;
        }

        return capture;
    }

    /// <summary>The newest run folder under runs/ (by the time its config.json was written).</summary>
    private static string Newest()
    {
        var runs = Runs();
        return runs.Count > 0
            ? runs[^1]
            : throw new InputException($"there are no runs under '{Path.GetFullPath(RunFolder.DefaultRoot)}'; train one first.");
    }

    private static List<string> Runs() =>
        Directory.Exists(RunFolder.DefaultRoot)
            ? Directory.EnumerateDirectories(RunFolder.DefaultRoot)
                .Where(d => File.Exists(Path.Combine(d, "config.json")))
                .OrderBy(d => File.GetLastWriteTimeUtc(Path.Combine(d, "config.json")))
                .ThenBy(d => d, StringComparer.Ordinal)
                .ToList()
            : new List<string>();

    private static string Listing()
    {
        var runs = Runs();
        return runs.Count == 0 ? $" There are no runs under '{RunFolder.DefaultRoot}'." : $" Runs: {string.Join(", ", runs.TakeLast(10))}.";
    }
}
