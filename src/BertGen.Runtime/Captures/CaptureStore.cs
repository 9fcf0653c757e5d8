using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.IO;
using BertGen.Training;

namespace BertGen.Captures;

/// <summary>
/// Where a training run keeps its captures: files in its run folder's captures/, or, for a run without a folder,
/// safetensors bytes in memory. Either way it is the run's <see cref="IRunRecord"/>, so the explorer reads a run being
/// trained the same way as a folder read back from disk.
/// </summary>
public sealed class CaptureStore : IRunRecord
{
    private readonly string? _directory;
    private readonly SortedSet<int> _epochs;
    private readonly Dictionary<int, CaptureFile> _captures = new();
    private readonly Func<IReadOnlyList<EpochMetrics>> _metrics;

    /// <summary>A store of captures in <paramref name="directory"/>, or in memory when it is null.</summary>
    /// <param name="name">The run's name.</param>
    /// <param name="config">The model's configuration.</param>
    /// <param name="vocabulary">The run's vocabulary.</param>
    /// <param name="samples">The samples as first masked.</param>
    /// <param name="directory">The captures folder, or null to keep captures in memory.</param>
    /// <param name="metrics">Reads the run's metrics so far.</param>
    public CaptureStore(
        string name, ModelConfig config, Vocabulary vocabulary, IReadOnlyList<EncodedSample> samples, string? directory, Func<IReadOnlyList<EpochMetrics>> metrics)
    {
        Name = name;
        Config = config;
        Vocabulary = vocabulary;
        Samples = samples;
        _directory = directory;
        _metrics = metrics;
        _epochs = new SortedSet<int>(directory is null ? [] : EpochFiles.In(directory));
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public ModelConfig Config { get; }

    /// <inheritdoc/>
    public Vocabulary Vocabulary { get; }

    /// <inheritdoc/>
    public IReadOnlyList<EncodedSample> Samples { get; }

    /// <inheritdoc/>
    public IReadOnlyList<EpochMetrics> Metrics => _metrics();

    /// <inheritdoc/>
    public IReadOnlyList<int> CapturedEpochs => _epochs.ToList();

    /// <summary>Whether the captures live only in memory.</summary>
    public bool InMemory => _directory is null;

    /// <summary>
    /// Bytes of free disk space a capture must leave, for the checkpoints and metrics.csv that matter more: a capture
    /// that would eat into them is not written.
    /// </summary>
    public long ReservedSpace { get; init; }

    /// <inheritdoc/>
    public CaptureFile Capture(int epoch)
    {
        if (!_epochs.Contains(epoch))
        {
            throw CaptureFile.NotCaptured(epoch, CapturedEpochs);
        }

        if (!_captures.TryGetValue(epoch, out var capture))
        {
            capture = CaptureFile.Read(Path.Combine(_directory!, EpochFiles.Name(epoch)), Config);
            _captures[epoch] = capture;
        }

        return capture;
    }

    /// <summary>Keeps the capture of <paramref name="epoch"/>: writes its file, or parses its bytes into memory.</summary>
    internal void Add(int epoch, IReadOnlyList<SafeTensorData> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        if (_directory is null)
        {
            var file = SafeTensorsFile.Parse(SafeTensorsFile.ToBytes(tensors, metadata), $"capture of epoch {epoch}");
            _captures[epoch] = CaptureFile.Open(file, Config);
        }
        else
        {
            Directory.CreateDirectory(_directory);
            long needed = tensors.Sum(t => t.Count * (t.Float64 is null ? 4 : 8)) + (1 << 16);
            long free = new DriveInfo(_directory).AvailableFreeSpace;
            if (free < needed + ReservedSpace)
            {
                throw new IOException(
                    $"it needs {needed:N0} bytes, and of the {free:N0} free {Math.Min(free, ReservedSpace):N0} are kept for checkpoints and metrics.csv");
            }

            SafeTensorsFile.Write(Path.Combine(_directory, EpochFiles.Name(epoch)), tensors, metadata);
            _captures.Remove(epoch);
        }

        _epochs.Add(epoch);
    }
}
