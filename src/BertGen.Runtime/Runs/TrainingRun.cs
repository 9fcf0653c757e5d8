using System.Diagnostics;
using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>How a run's training ended.</summary>
public enum TrainingOutcome
{
    /// <summary>Every epoch was trained.</summary>
    Completed,

    /// <summary>Stopped on request after an epoch; a checkpoint of that epoch was saved.</summary>
    Interrupted,

    /// <summary>The loss or the weights stopped being finite; the last good checkpoint was kept.</summary>
    Diverged,
}

/// <summary>How a training run ended: timing, the last epoch's metrics and the trained model's predictions.</summary>
/// <param name="Outcome">Whether training completed, was interrupted or diverged.</param>
/// <param name="Epochs">Epochs trained in this call.</param>
/// <param name="LastEpoch">The epoch training stopped at (for a diverged run, the one whose loss was not finite).</param>
/// <param name="Steps">Training steps (forward, backward, Adam) taken in this call: epochs times batches.</param>
/// <param name="Elapsed">Time spent in the training loop, files excluded.</param>
/// <param name="Checkpoint">The newest checkpoint of good weights, or null for a run kept in memory.</param>
/// <param name="Final">Loss and accuracy of the trained weights over every sample (completed runs).</param>
/// <param name="Predictions">Each sample's predictions with the trained weights (completed runs; else empty).</param>
public sealed record TrainingResult(
    TrainingOutcome Outcome, int Epochs, int LastEpoch, long Steps, TimeSpan Elapsed, string? Checkpoint, EpochMetrics Final, IReadOnlyList<SamplePrediction> Predictions)
{
    /// <summary>Microseconds per training step in this call (0 when no step was taken).</summary>
    public double MicrosecondsPerStep => Steps == 0 ? 0 : Elapsed.TotalMicroseconds / Steps;
}

/// <summary>
/// One training run from start to end: builds the vocabulary and the masked samples of its sentence pairs, creates the
/// model, trains it, and keeps what a person looks at afterwards: in a run folder (config.json, vocab.txt,
/// samples.json, corpus.txt, metrics.csv, checkpoints/, captures/), or in memory when it has none. A run in a folder can
/// be resumed from its newest checkpoint and goes on exactly as if it had not stopped.
/// </summary>
public sealed class TrainingRun
{
    /// <summary>What <see cref="CorpusName"/> says of the article's six pairs.</summary>
    public const string DefaultCorpusName = "default";

    private readonly TrainingOptions _options;
    private readonly SeededRandom _maskRandom;
    private readonly List<EpochMetrics> _metrics;
    private readonly IReadOnlyList<string> _earlierMetrics;
    private readonly SortedSet<int> _captures;
    private IReadOnlyList<EpochMetrics>? _earlierParsed;
    private string? _checkpoint;

    private TrainingRun(
        TrainingOptions options, SortedSet<int> captures, TrainingData data, Trainer trainer, RunFolder? folder, string corpusName,
        SeededRandom maskRandom, IReadOnlyList<string> earlierMetrics, string? checkpoint)
    {
        _options = options;
        _captures = captures;
        Data = data;
        Trainer = trainer;
        Folder = folder;
        CorpusName = corpusName;
        _maskRandom = maskRandom;
        _earlierMetrics = earlierMetrics;
        _checkpoint = checkpoint;
        _metrics = new List<EpochMetrics>(Math.Max(0, options.Epochs - trainer.Epoch));
        Captures = new CaptureStore(
            folder?.Path ?? "in memory", trainer.Model.Config, data.Vocabulary, data.Samples,
            folder?.CapturesDirectory, AllMetrics);
    }

    /// <summary>The model being trained.</summary>
    public IBertModel Model => Trainer.Model;

    /// <summary>The vocabulary and the masked samples.</summary>
    public TrainingData Data { get; }

    /// <summary>The trainer: weights, gradients, Adam's state and the activations of the last pass.</summary>
    public Trainer Trainer { get; }

    /// <summary>The run folder, or null for a run kept in memory.</summary>
    public RunFolder? Folder { get; }

    /// <summary>Where the pairs came from: a corpus file, <see cref="DefaultCorpusName"/>, or a name given in code.</summary>
    public string CorpusName { get; }

    /// <summary>The settings the run trains with (for a resumed run, those it started with and the new epoch count).</summary>
    public TrainingOptions Options => _options;

    /// <summary>The epochs whose tensors this run captures.</summary>
    public IReadOnlyCollection<int> CaptureEpochs => _captures;

    /// <summary>Metrics of every epoch trained by this object (a resumed run's earlier rows are not here).</summary>
    public IReadOnlyList<EpochMetrics> Metrics => _metrics;

    /// <summary>What the run has recorded so far, captures included, to read with the explorer.</summary>
    public CaptureStore Captures { get; }

    /// <summary>
    /// Prepares a run of <paramref name="model"/> on <paramref name="pairs"/>: builds the vocabulary and the masked
    /// samples and creates the model; with a <paramref name="folder"/>, creates it and writes config.json, vocab.txt,
    /// samples.json, corpus.txt and the initial checkpoint. Without one, the run and its captures stay in memory.
    /// </summary>
    /// <param name="model">The generated model, e.g. <c>TinyBert.Definition</c>.</param>
    /// <param name="pairs">The sentence pairs to train on.</param>
    /// <param name="options">Training settings.</param>
    /// <param name="folder">The run folder to create (new or empty), or null to keep the run in memory.</param>
    /// <param name="corpusName">Where the pairs came from, for messages and config.json: a corpus file's path, say.</param>
    /// <exception cref="InputException">A pair, the configuration's vocabulary size, a setting or the folder is wrong.</exception>
    public static TrainingRun Start(ModelDefinition model, IReadOnlyList<SentencePair> pairs, TrainingOptions options, string? folder = null, string corpusName = "pairs")
    {
        Validate(options);
        var captures = CaptureSchedule.Resolve(options);
        pairs = Numbered(pairs);
        var data = TrainingData.Create(pairs, corpusName, model.Shape.MaxLen, model.Shape.MaxPred, new SeededRandom(MaskSeed(options.Seed)));
        var created = Create(model, data.Vocabulary.Count, corpusName);
        var runFolder = folder is null ? null : RunFolder.CreateNew(folder);
        var trainer = new Trainer(created, data.Samples, options.Adam, new SeededRandom(options.Seed)) { Threads = options.Threads };
        var run = new TrainingRun(
            options, captures, data, trainer, runFolder, corpusName, new SeededRandom(MaskSeed(options.Seed) + 1), [], runFolder?.CheckpointFile(0));
        if (runFolder is not null)
        {
            runFolder.WriteConfig(created.Config, options, corpusName);
            runFolder.WriteVocabulary(data.Vocabulary);
            runFolder.WriteSamples(data.Samples);
            runFolder.WriteCorpus(pairs);
        }

        run.SaveCheckpoint(0);
        return run;
    }

    /// <summary>
    /// Reopens the run at <paramref name="path"/> from its newest checkpoint (weights, Adam state, masking stream) to
    /// train it up to <see cref="ResumeOptions.Epochs"/> epochs in all. Its earlier metrics rows are kept as they were.
    /// </summary>
    /// <exception cref="InputException">The run is missing, damaged, of another configuration, or already that far.</exception>
    public static TrainingRun Resume(ModelDefinition model, string path, ResumeOptions resume)
    {
        var archive = RunArchive.Open(path);
        var folder = archive.Folder;
        var (saved, corpusName) = folder.ReadTrainingSettings();
        var options = saved with
        {
            SaveEvery = resume.SaveEvery,
            CaptureEpochs = resume.CaptureEpochs,
            CaptureEvery = resume.CaptureEvery,
            Threads = resume.Threads,
        };
        var resumable = folder.ResumableEpochs();
        if (resumable.Count == 0)
        {
            throw new InputException($"'{path}' has no checkpoint with its optimizer state to resume from.");
        }

        int from = resumable[^1];
        options = options with { Epochs = resume.Epochs ?? options.Epochs };
        if (options.Epochs <= from)
        {
            throw new InputException($"'{path}' has already trained {from} epochs; give --epochs with a larger total than that.");
        }

        Validate(options);
        var created = Create(model, archive.Vocabulary.Count, path);
        if (!created.Config.SameShape(archive.Config))
        {
            throw new InputException(
                $"'{path}' was trained with another configuration ({Describe(archive.Config)}) than this build's bertgen.json ({Describe(created.Config)}).");
        }

        var earlier = File.Exists(folder.MetricsFile) ? File.ReadLines(folder.MetricsFile).Skip(1).Take(from).ToList() : [];
        if (earlier.Count != from)
        {
            throw new InputException($"'{folder.MetricsFile}' has {earlier.Count} rows, but the newest checkpoint is of epoch {from}.");
        }

        var pairs = options.DynamicMasking ? folder.ReadCorpus() ?? SavedCorpus(corpusName) : null;
        var data = TrainingData.Restore(pairs, corpusName, archive.Vocabulary, archive.Samples, created.Config.MaxLen, created.Config.MaxPred);
        var trainer = new Trainer(created, data.Samples, options.Adam, initialRandom: null) { Threads = options.Threads };
        string checkpoint = folder.CheckpointFile(from);
        Checkpoint.Load(checkpoint, created).CopyTo(trainer.Parameters, 0);
        string? maskState = OptimizerCheckpoint.Load(OptimizerCheckpoint.PathFor(checkpoint), created, trainer.Optimizer);
        trainer.Epoch = from;
        var maskRandom = maskState is null ? new SeededRandom(MaskSeed(options.Seed) + 1) : SeededRandom.FromState(maskState);
        var captures = new SortedSet<int>(CaptureSchedule.Resolve(options).Where(e => e > from));
        folder.WriteConfig(created.Config, options, corpusName);
        return new TrainingRun(options, captures, data, trainer, folder, corpusName, maskRandom, earlier, checkpoint);
    }

    /// <summary>
    /// Trains up to the configured epochs, calling <paramref name="onEpoch"/> after each and writing the captures and
    /// checkpoints due; then writes metrics.csv and the last checkpoint, and returns the trained model's predictions.
    /// When <paramref name="stop"/> is cancelled, finishes the current epoch, saves a checkpoint of it and returns.
    /// A loss or weight that is not finite stops training; the newest good checkpoint is kept.
    /// </summary>
    public TrainingResult Train(Action<EpochMetrics>? onEpoch = null, CancellationToken stop = default)
    {
        var recorder = new CaptureRecorder(Trainer, Captures);
        var clock = Stopwatch.StartNew();
        var fileTime = new Stopwatch();
        int first = Trainer.Epoch + 1;
        for (int epoch = first; epoch <= _options.Epochs; epoch++)
        {
            if (_options.DynamicMasking && epoch > 1)
            {
                Data.Remask(_maskRandom);
                Trainer.LoadSamples(Data.Samples);
            }

            bool capture = _captures.Contains(epoch - 1);
            var metrics = Trainer.TrainEpoch(capture ? recorder.BeforeUpdate : null);
            _metrics.Add(metrics);
            onEpoch?.Invoke(metrics);
            if (!double.IsFinite(metrics.Loss))
            {
                return Stopped(TrainingOutcome.Diverged, first, epoch, clock.Elapsed - fileTime.Elapsed);
            }

            bool save = _options.SaveEvery > 0 && epoch % _options.SaveEvery == 0 && epoch != _options.Epochs;
            bool interrupted = stop.IsCancellationRequested && epoch != _options.Epochs;
            if (capture || save || interrupted)
            {
                fileTime.Start();
                if (capture)
                {
                    recorder.WriteAfterStep(epoch - 1, metrics);
                }

                if ((save || interrupted) && !SaveCheckpoint(epoch))
                {
                    return Stopped(TrainingOutcome.Diverged, first, epoch, clock.Elapsed - fileTime.Elapsed);
                }

                fileTime.Stop();
            }

            if (interrupted)
            {
                return Stopped(TrainingOutcome.Interrupted, first, epoch, clock.Elapsed - fileTime.Elapsed);
            }
        }

        var elapsed = clock.Elapsed - fileTime.Elapsed;
        var final = Trainer.Evaluate();
        if (_captures.Contains(_options.Epochs))
        {
            recorder.WriteEvaluated(_options.Epochs, final);
        }

        var predictions = SamplePrediction.FromTrainer(Trainer, Data.Samples, Data.Vocabulary);
        if (!SaveCheckpoint(Trainer.Epoch))
        {
            return Stopped(TrainingOutcome.Diverged, first, Trainer.Epoch, elapsed);
        }

        return new TrainingResult(TrainingOutcome.Completed, Trainer.Epoch - first + 1, Trainer.Epoch, Steps(first, Trainer.Epoch), elapsed, _checkpoint, final, predictions);
    }

    /// <summary>The rows before a resume and those since, as metrics.csv will hold them.</summary>
    private IReadOnlyList<EpochMetrics> AllMetrics()
    {
        _earlierParsed ??= _earlierMetrics.Select(EpochMetrics.FromCsv).ToList();
        return [.. _earlierParsed, .. _metrics];
    }

    private TrainingResult Stopped(TrainingOutcome outcome, int first, int epoch, TimeSpan elapsed)
    {
        Folder?.WriteMetrics(_earlierMetrics, _metrics);
        return new TrainingResult(outcome, epoch - first + 1, epoch, Steps(first, epoch), elapsed, _checkpoint, _metrics[^1], []);
    }

    private long Steps(int first, int last) => (long)Math.Max(0, last - first + 1) * Trainer.Batches.Count;

    /// <summary>
    /// Writes the weights, Adam's state beside them, and metrics.csv so far (nothing for a run in memory); returns false
    /// (writing nothing) when a weight is not finite.
    /// </summary>
    private bool SaveCheckpoint(int epoch)
    {
        foreach (float w in Trainer.Parameters)
        {
            if (!float.IsFinite(w))
            {
                return false;
            }
        }

        if (Folder is null)
        {
            return true;
        }

        string path = Folder.CheckpointFile(epoch);
        OptimizerCheckpoint.Save(OptimizerCheckpoint.PathFor(path), Model, Trainer.Optimizer, _options.DynamicMasking ? _maskRandom.State : null);
        Checkpoint.Save(path, Model, Trainer.Parameters, epoch);
        Folder.WriteMetrics(_earlierMetrics, _metrics);
        _checkpoint = path;
        return true;
    }

    /// <summary>Pairs given in code carry no line; they are numbered by their place, from 1, for messages.</summary>
    private static IReadOnlyList<SentencePair> Numbered(IReadOnlyList<SentencePair> pairs)
    {
        if (pairs.Count == 0)
        {
            throw new InputException("there are no sentence pairs to train on.");
        }

        var numbered = pairs.Select((p, i) => p.Line > 0 ? p : p with { Line = i + 1 }).ToList();
        numbered.ForEach(Corpus.Check);
        return numbered;
    }

    /// <summary>The pairs a run folder written before corpus.txt existed names in config.json.</summary>
    private static IReadOnlyList<SentencePair> SavedCorpus(string corpusName) =>
        corpusName == DefaultCorpusName ? Corpus.Default : Corpus.Load(corpusName);

    private static IBertModel Create(ModelDefinition model, int vocabulary, string source)
    {
        try
        {
            return model.Create(vocabulary);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InputException($"{source}: {e.Message.Split(" (Parameter")[0]}", e);
        }
    }

    private static string Describe(ModelConfig c) =>
        $"maxLen {c.MaxLen}, batch {c.BatchSize}, maxPred {c.MaxPred}, {c.Layers} layers, {c.Heads} heads of {c.DK}, dModel {c.DModel}, dFF {c.DFF}, " +
        $"segments {c.Segments}, ffnAddNorm {c.FfnAddNorm}, embeddingLayerNorm {c.EmbeddingLayerNorm}, eps {c.LayerNormEps}, vocabulary {c.VocabSize}";

    private static ulong MaskSeed(ulong seed) => seed ^ 0x6D61736B5F736565UL;

    private static void Validate(TrainingOptions options)
    {
        if (options.Epochs < 0)
        {
            throw new InputException($"--epochs is {options.Epochs}; give 0 or more.");
        }

        if (!(options.Adam.LearningRate > 0) || double.IsInfinity(options.Adam.LearningRate))
        {
            throw new InputException($"--lr is {options.Adam.LearningRate}; give a positive number such as 0.001.");
        }

        if (options.Threads < 1)
        {
            throw new InputException($"--threads is {options.Threads}; give 1 or more (0 on the command line means every core).");
        }

        if (options.SaveEvery < 0)
        {
            throw new InputException($"--save-every is {options.SaveEvery}; give 0 (only the first and last) or more.");
        }
    }
}
