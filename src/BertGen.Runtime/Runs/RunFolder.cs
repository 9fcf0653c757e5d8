using System.Globalization;
using System.Text;
using System.Text.Json;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.IO;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>
/// The folder of one training run (docs/ARCHITECTURE.md, "The run folder"): config.json, vocab.txt, samples.json,
/// corpus.txt, metrics.csv, checkpoints/ and captures/, each file's reader beside its writer. Every file is written
/// whole or not at all.
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
    /// <exception cref="SettingException">The folder is not empty.</exception>
    /// <exception cref="InputException">The folder cannot be created.</exception>
    public static StagedFolder Stage(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full) || (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any()))
        {
            throw new SettingException(SettingNames.RunFolder, name => $"'{path}' already exists and is not an empty folder; choose another {name}, or remove it first.");
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
    public (TrainingOptions Options, string Corpus) ReadTrainingSettings() =>
        ReadJson(ConfigFile, "the config.json of a BertGen run with its training settings", root =>
        {
            var t = root.GetProperty("training");
            var options = new TrainingOptions
            {
                Epochs = t.GetProperty("epochs").GetInt32(),
                Adam = new AdamSettings(t.GetProperty("learningRate").GetDouble(), t.GetProperty("beta1").GetDouble(), t.GetProperty("beta2").GetDouble(), t.GetProperty("epsilon").GetDouble()),
                Seed = t.GetProperty("seed").GetUInt64(),
                DynamicMasking = t.GetProperty("dynamicMasking").GetBoolean(),
                SaveEvery = t.TryGetProperty("saveEvery", out var saveEvery) ? saveEvery.GetInt32() : 0,
            };
            return (options, t.GetProperty("corpus").GetString()!);
        });

    /// <summary>Reads the model's configuration from config.json (the one <see cref="WriteConfig"/> wrote).</summary>
    /// <exception cref="InputException">The file is missing, not UTF-8 or JSON, repeats a key, or lacks a setting.</exception>
    public ModelConfig ReadModelConfig()
    {
        var config = ReadJson(ConfigFile, "a BertGen config.json", root => ConfigJson.Read(root.GetProperty("model")));
        return config.VocabSize >= 5 && config.MaxLen >= 5 && config.MaxPred >= 1 && config.BatchSize >= 1 && config.Segments >= 2
            ? config
            : throw new InputException($"'{ConfigFile}': the model's sizes are out of range ({ConfigJson.Serialize(config)}).");
    }

    /// <summary>Reads vocab.txt, which must hold the configuration's vocabulary size of tokens.</summary>
    /// <exception cref="InputException">The file is missing, not UTF-8, not a vocabulary, or of another size.</exception>
    public Vocabulary ReadVocabulary(ModelConfig config)
    {
        string text = TextFile.Read(VocabularyFile);
        var lines = text.ReplaceLineEndings("\n").Split('\n').ToList();
        if (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        Vocabulary vocabulary;
        try
        {
            vocabulary = new Vocabulary(lines);
        }
        catch (FormatException e)
        {
            throw new InputException($"'{VocabularyFile}': {e.Message}", e);
        }

        return vocabulary.Count == config.VocabSize
            ? vocabulary
            : throw new InputException($"'{VocabularyFile}' holds {vocabulary.Count} tokens, but config.json says the vocabulary has {config.VocabSize}.");
    }

    /// <summary>
    /// Reads samples.json, each sample checked against the configuration and the vocabulary: arrays of maxLen and maxPred
    /// values, ids in the vocabulary, segment ids and masked positions in range.
    /// </summary>
    /// <exception cref="InputException">The file is missing, not UTF-8 or JSON, repeats a key, or a sample is wrong; the message names it.</exception>
    public List<EncodedSample> ReadSamples(ModelConfig config, Vocabulary vocabulary)
    {
        var samples = ReadJson(SamplesFile, "a BertGen samples.json", root => root.EnumerateArray().Select(s => new EncodedSample(
            s.GetProperty("text").GetString()!,
            Ints(s.GetProperty("inputIds")),
            Ints(s.GetProperty("segmentIds")),
            Ints(s.GetProperty("maskedPositions")),
            Ints(s.GetProperty("maskedTokens")),
            s.GetProperty("isNext").GetBoolean())).ToList());

        if (samples.Count == 0)
        {
            throw new InputException($"'{SamplesFile}' holds no samples.");
        }

        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            Check(i, "inputIds", s.InputIds, config.MaxLen, vocabulary.Count, "the vocabulary's ids");
            Check(i, "segmentIds", s.SegmentIds, config.MaxLen, config.Segments, "segment ids");
            Check(i, "maskedPositions", s.MaskedPositions, config.MaxPred, config.MaxLen, "positions");
            Check(i, "maskedTokens", s.MaskedTokens, config.MaxPred, vocabulary.Count, "the vocabulary's ids");
        }

        return samples;
    }

    /// <summary>Every row of metrics.csv that ends with a line break (none when the file is not there).</summary>
    /// <exception cref="InputException">A row is not six numbers; the message names its line.</exception>
    public IReadOnlyList<EpochMetrics> ReadMetrics() => MetricsLog.Read(MetricsFile);

    /// <summary>Writes corpus.txt: the pairs the run trains on, in the corpus file format, so a resume masks them again.</summary>
    public void WriteCorpus(IReadOnlyList<SentencePair> pairs) => AtomicFile.WriteText(CorpusFile, Corpus.Format(pairs));

    /// <summary>The pairs of corpus.txt, or null for a run folder written before the file existed.</summary>
    /// <exception cref="InputException">The file cannot be read or is not a corpus.</exception>
    public IReadOnlyList<SentencePair>? ReadCorpus() => File.Exists(CorpusFile) ? Corpus.Load(CorpusFile) : null;

    /// <summary>Writes vocab.txt: one token a line, line i holding id i.</summary>
    public void WriteVocabulary(Vocabulary vocabulary) =>
        AtomicFile.WriteText(VocabularyFile, string.Join('\n', vocabulary.Tokens) + "\n");

    /// <summary>
    /// Writes samples.json: an array of one object per sample and line (its text, masked text, ids, masks and label),
    /// streamed to the file, so that a large corpus needs no more memory for it than one sample.
    /// </summary>
    public void WriteSamples(IReadOnlyList<EncodedSample> samples, Vocabulary vocabulary) =>
        AtomicFile.Write(SamplesFile, stream =>
        {
            using var json = new Utf8JsonWriter(stream);
            stream.Write("[\n"u8);
            for (int i = 0; i < samples.Count; i++)
            {
                var s = samples[i];
                json.Reset();
                json.WriteStartObject();
                json.WriteString("text", s.Text);
                json.WriteString("maskedText", vocabulary.Decode(s.InputIds));
                WriteInts(json, "inputIds", s.InputIds);
                WriteInts(json, "segmentIds", s.SegmentIds);
                WriteInts(json, "maskedPositions", s.MaskedPositions);
                WriteInts(json, "maskedTokens", s.MaskedTokens);
                json.WriteBoolean("isNext", s.IsNext);
                json.WriteEndObject();
                json.Flush();
                stream.Write(i + 1 < samples.Count ? ",\n"u8 : "\n"u8);
            }

            stream.Write("]\n"u8);
        });

    private static readonly JsonDocumentOptions Json = new() { AllowDuplicateProperties = false };

    /// <summary>
    /// Reads one of the run's JSON files with <paramref name="read"/>: a file that cannot be read, is not strict UTF-8 or
    /// JSON, repeats a key or lacks a property is an error that names the file and <paramref name="what"/> it should be.
    /// </summary>
    private static T ReadJson<T>(string path, string what, Func<JsonElement, T> read)
    {
        string text = TextFile.Read(path);
        try
        {
            using var doc = JsonDocument.Parse(text, Json);
            return read(doc.RootElement);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InputException($"'{path}' is not {what}: {e.Message}", e);
        }
    }

    private static int[] Ints(JsonElement array) => array.EnumerateArray().Select(e => e.GetInt32()).ToArray();

    private void Check(int sample, string name, int[] values, int length, int bound, string what)
    {
        if (values.Length != length)
        {
            throw new InputException($"'{SamplesFile}': sample {sample}: {name} has {values.Length} values, but the model takes {length}.");
        }

        int bad = Array.FindIndex(values, v => v < 0 || v >= bound);
        if (bad >= 0)
        {
            throw new InputException($"'{SamplesFile}': sample {sample}: {name}[{bad}] is {values[bad]}, outside {what} (0 to {bound - 1}).");
        }
    }

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
                throw new SettingException(SettingNames.RunFolder, name => $"'{_given}' filled with files while the run was starting; choose another {name}.");
            }

            Directory.Delete(_target);
        }

        Directory.Move(Staging.Path, _target);
        AtomicFile.Renamed();
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
