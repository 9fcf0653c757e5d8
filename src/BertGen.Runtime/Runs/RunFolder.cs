using System.Globalization;
using System.Text;
using System.Text.Json;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.IO;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>
/// The folder of one training run (SPEC §5): config.json, vocab.txt, samples.json, metrics.csv, checkpoints/ and
/// captures/. Every file is written whole or not at all.
/// </summary>
public sealed class RunFolder
{
    /// <summary>Where runs go when no folder is named.</summary>
    public const string DefaultRoot = "runs";

    /// <summary>The run folder at <paramref name="path"/> (which need not exist yet).</summary>
    public RunFolder(string path) => Path = System.IO.Path.GetFullPath(path);

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>config.json: the model's configuration and the training settings.</summary>
    public string ConfigFile => System.IO.Path.Combine(Path, "config.json");

    /// <summary>vocab.txt: one token a line.</summary>
    public string VocabularyFile => System.IO.Path.Combine(Path, "vocab.txt");

    /// <summary>samples.json: every sample as first masked.</summary>
    public string SamplesFile => System.IO.Path.Combine(Path, "samples.json");

    /// <summary>corpus.txt: the sentence pairs the run trains on.</summary>
    public string CorpusFile => System.IO.Path.Combine(Path, "corpus.txt");

    /// <summary>metrics.csv: one row per epoch.</summary>
    public string MetricsFile => System.IO.Path.Combine(Path, "metrics.csv");

    /// <summary>checkpoints/: the weights and Adam's state at saved epochs.</summary>
    public string CheckpointsDirectory => System.IO.Path.Combine(Path, "checkpoints");

    /// <summary>captures/: every tensor of the captured epochs.</summary>
    public string CapturesDirectory => System.IO.Path.Combine(Path, "captures");

    /// <summary>checkpoints/epoch-000123.safetensors.</summary>
    public string CheckpointFile(int epoch) => System.IO.Path.Combine(CheckpointsDirectory, EpochFiles.Name(epoch));

    /// <summary>captures/epoch-000123.safetensors.</summary>
    public string CaptureFile(int epoch) => System.IO.Path.Combine(CapturesDirectory, EpochFiles.Name(epoch));

    /// <summary>The epochs with a checkpoint, in order.</summary>
    public IReadOnlyList<int> CheckpointEpochs() => EpochFiles.In(CheckpointsDirectory);

    /// <summary>The epochs with a capture, in order.</summary>
    public IReadOnlyList<int> CapturedEpochs() => EpochFiles.In(CapturesDirectory);

    /// <summary>The epochs that have a checkpoint with its optimizer state beside it, in order.</summary>
    public IReadOnlyList<int> ResumableEpochs() =>
        CheckpointEpochs().Where(e => File.Exists(Checkpoints.OptimizerCheckpoint.PathFor(CheckpointFile(e)))).ToList();

    /// <summary>The newest checkpoint's path.</summary>
    /// <exception cref="InputException">The run has no checkpoint.</exception>
    public string NewestCheckpoint()
    {
        var epochs = CheckpointEpochs();
        return epochs.Count > 0 ? CheckpointFile(epochs[^1]) : throw new InputException($"'{Path}' has no checkpoint.");
    }

    /// <summary>A new folder under runs/ named after the time (with -2, -3, ... when that name is taken).</summary>
    public static string DefaultPath()
    {
        string stem = System.IO.Path.Combine(DefaultRoot, DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        string path = stem;
        for (int n = 2; Directory.Exists(path); n++)
        {
            path = $"{stem}-{n}";
        }

        return path;
    }

    /// <summary>
    /// Starts a new run folder at <paramref name="path"/>, all or nothing: its files are written into a hidden folder
    /// beside it (<c>.NAME.starting.PID</c>), which <see cref="StagedFolder.Commit"/> renames to the path once they are
    /// all there. A folder that already holds files is refused: a run never writes over another. Staging folders that a
    /// killed process left beside it are removed first.
    /// </summary>
    /// <exception cref="InputException">The folder is not empty, or cannot be created.</exception>
    public static StagedFolder Stage(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()))
        {
            throw new InputException($"'{path}' already exists and is not an empty folder; choose another --out, or remove it first.");
        }

        try
        {
            string parent = System.IO.Path.GetDirectoryName(full)!;
            string name = System.IO.Path.GetFileName(full);
            Directory.CreateDirectory(parent);
            foreach (var stale in Directory.EnumerateDirectories(parent, $".{name}.starting.*"))
            {
                if (int.TryParse(stale[(stale.LastIndexOf('.') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !ProcessIds.IsRunning(pid))
                {
                    Directory.Delete(stale, recursive: true);
                }
            }

            var staging = new RunFolder(System.IO.Path.Combine(parent, $".{name}.starting.{Environment.ProcessId}"));
            if (Directory.Exists(staging.Path))
            {
                Directory.Delete(staging.Path, recursive: true);
            }

            Directory.CreateDirectory(staging.CheckpointsDirectory);
            return new StagedFolder(staging, full, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new InputException($"cannot create the run folder '{path}': {e.Message}", e);
        }
    }

    /// <summary>Writes config.json: the model's configuration and the training settings.</summary>
    public void WriteConfig(ModelConfig model, TrainingOptions options, string corpus) =>
        WriteJson(ConfigFile, json =>
        {
            json.WriteStartObject();
            json.WritePropertyName("model");
            ConfigJson.Write(json, model);
            json.WriteStartObject("training");
            json.WriteNumber("epochs", options.Epochs);
            json.WriteNumber("learningRate", options.Adam.LearningRate);
            json.WriteNumber("beta1", options.Adam.Beta1);
            json.WriteNumber("beta2", options.Adam.Beta2);
            json.WriteNumber("epsilon", options.Adam.Epsilon);
            json.WriteNumber("seed", options.Seed);
            json.WriteBoolean("dynamicMasking", options.DynamicMasking);
            json.WriteNumber("saveEvery", options.SaveEvery);
            json.WriteString("corpus", corpus);
            json.WriteEndObject();
            json.WriteEndObject();
        });

    /// <summary>
    /// Reads the training settings of config.json (those <see cref="WriteConfig"/> wrote) and the corpus it names.
    /// </summary>
    /// <exception cref="InputException">The file is missing, is not JSON, or lacks a setting.</exception>
    public (TrainingOptions Options, string Corpus) ReadTrainingSettings()
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(ConfigFile));
            var t = doc.RootElement.GetProperty("training");
            var options = new TrainingOptions
            {
                Epochs = t.GetProperty("epochs").GetInt32(),
                Adam = new AdamSettings(t.GetProperty("learningRate").GetDouble(), t.GetProperty("beta1").GetDouble(), t.GetProperty("beta2").GetDouble(), t.GetProperty("epsilon").GetDouble()),
                Seed = t.GetProperty("seed").GetUInt64(),
                DynamicMasking = t.GetProperty("dynamicMasking").GetBoolean(),
                SaveEvery = t.TryGetProperty("saveEvery", out var saveEvery) ? saveEvery.GetInt32() : 0,
            };
            return (options, t.GetProperty("corpus").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException($"'{ConfigFile}' does not hold the training settings of a BertGen run: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"cannot read '{ConfigFile}': {e.Message}", e);
        }
    }

    /// <summary>Writes corpus.txt: the pairs the run trains on, in the corpus file format, so a resume masks them again.</summary>
    public void WriteCorpus(IReadOnlyList<SentencePair> pairs) => AtomicFile.WriteText(CorpusFile, Corpus.Format(pairs));

    /// <summary>The pairs of corpus.txt, or null for a run folder written before the file existed.</summary>
    /// <exception cref="InputException">The file cannot be read or is not a corpus.</exception>
    public IReadOnlyList<SentencePair>? ReadCorpus() => File.Exists(CorpusFile) ? Corpus.Load(CorpusFile) : null;

    /// <summary>Writes vocab.txt: one token a line, line i holding id i.</summary>
    public void WriteVocabulary(Vocabulary vocabulary) =>
        AtomicFile.WriteText(VocabularyFile, string.Join('\n', vocabulary.Tokens) + "\n");

    /// <summary>Writes samples.json: per sample its text, masked text, ids, masks and label.</summary>
    public void WriteSamples(IReadOnlyList<EncodedSample> samples) =>
        WriteJson(SamplesFile, json =>
        {
            json.WriteStartArray();
            foreach (var s in samples)
            {
                json.WriteStartObject();
                json.WriteString("text", s.Text);
                json.WriteString("maskedText", s.MaskedText);
                WriteInts(json, "inputIds", s.InputIds);
                WriteInts(json, "segmentIds", s.SegmentIds);
                WriteInts(json, "maskedPositions", s.MaskedPositions);
                WriteInts(json, "maskedTokens", s.MaskedTokens);
                json.WriteBoolean("isNext", s.IsNext);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        });

    private static void WriteInts(Utf8JsonWriter json, string name, int[] values)
    {
        json.WriteStartArray(name);
        foreach (int v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> write) =>
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            write(json);
            json.Flush();
            stream.WriteByte((byte)'\n');
        });
}

/// <summary>A run folder being started: written into a hidden staging folder, then renamed into place whole.</summary>
public sealed class StagedFolder
{
    private readonly string _target;
    private readonly string _given;

    internal StagedFolder(RunFolder staging, string target, string given)
    {
        Staging = staging;
        _target = target;
        _given = given;
    }

    /// <summary>The staging folder the run's first files go into.</summary>
    public RunFolder Staging { get; }

    /// <summary>Renames the staging folder to the run's path (an empty folder there gives way) and returns the run folder.</summary>
    /// <exception cref="InputException">Something appeared at the path meanwhile.</exception>
    public RunFolder Commit()
    {
        if (Directory.Exists(_target))
        {
            if (Directory.EnumerateFileSystemEntries(_target).Any())
            {
                throw new InputException($"'{_given}' filled with files while the run was starting; choose another --out.");
            }

            Directory.Delete(_target);
        }

        Directory.Move(Staging.Path, _target);
        return new RunFolder(_target);
    }

    /// <summary>Removes the staging folder after a start that failed, so that nothing half-made is left.</summary>
    public void Abandon()
    {
        try
        {
            if (Directory.Exists(Staging.Path))
            {
                Directory.Delete(Staging.Path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A later start removes it: its process will have ended.
        }
    }
}
