using System.Diagnostics;
using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Explore;
using BertGen.IO;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>How a run's training ended.</summary>
public enum TrainingOutcome
{
    /// <summary>Every epoch was trained.</summary>
    Completed,

    /// <summary>Stopped on request after an epoch; a checkpoint of that epoch was saved.</summary>
    Interrupted,

    /// <summary>The loss or the weights stopped being finite; checkpoints of weights that gave it were set aside.</summary>
    Diverged,

    /// <summary>A checkpoint could not be written (a full disk, say); the newest one written stays.</summary>
    WriteFailed,
}

/// <summary>How a training run ended: timing, the last epoch's metrics and the trained model's predictions.</summary>
/// <param name="Outcome">Whether training completed, was interrupted, diverged or could not write a checkpoint.</param>
/// <param name="Epochs">Epochs trained in this call.</param>
/// <param name="LastEpoch">The epoch training stopped at (for a diverged run, the one whose loss was not finite).</param>
/// <param name="Steps">Training steps (forward, backward, Adam) taken in this call: epochs times batches.</param>
/// <param name="Elapsed">Time spent in the training loop, files excluded.</param>
/// <param name="Checkpoint">The newest checkpoint of good weights, or null for a run kept in memory.</param>
/// <param name="Final">Loss and accuracy of the trained weights over every sample (completed runs).</param>
/// <param name="Predictions">The first samples' predictions with the trained weights, in order (completed runs; else empty).</param>
public sealed record TrainingResult(
    TrainingOutcome Outcome, int Epochs, int LastEpoch, long Steps, TimeSpan Elapsed, string? Checkpoint, EpochMetrics Final, IReadOnlyList<SamplePrediction> Predictions)
{
    /// <summary>Microseconds per training step in this call (0 when no step was taken).</summary>
    public double MicrosecondsPerStep => Steps == 0 ? 0 : Elapsed.TotalMicroseconds / Steps;

    /// <summary>What went wrong on the way without stopping training (a capture not written), or what stopped it.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>How many masked words and IsNext flags the trained weights predict right, of how many (completed runs).</summary>
    public PredictionCounts FinalCounts { get; init; }
}

/// <summary>
/// One training run from start to end: builds the vocabulary and the masked samples of its sentence pairs, creates the
/// model, trains it, and keeps what a person looks at afterwards: in a run folder (config.json, vocab.txt,
/// samples.json, corpus.txt, metrics.csv, checkpoints/, captures/), or in memory when it has none. A run in a folder is
/// started whole or not at all, is trained by one process at a time, and can be resumed from its newest consistent
/// checkpoint, however it stopped, going on exactly as if it had not.
/// </summary>
public sealed class TrainingRun : IDisposable
{
    /// <summary>What <see cref="CorpusName"/> says of the article's six pairs.</summary>
    public const string DefaultCorpusName = "default";

    /// <summary>The samples whose predictions a result keeps (the accuracies count every sample).</summary>
    public const int KeptPredictions = 100;

    private readonly TrainingOptions _options;
    private readonly SeededRandom _maskRandom;
    private readonly List<EpochMetrics> _metrics = [];
    private readonly IReadOnlyList<EpochMetrics> _earlierMetrics;
    private readonly SortedSet<int> _captures;
    private readonly List<string> _problems = [];
    private readonly int _captureSamples;
    private string? _checkpoint;
    private RunLock? _lock;
    private MetricsLog? _log;
    private bool _capturesFailed;

    private TrainingRun(
        TrainingOptions options, SortedSet<int> captures, TrainingData data, Trainer trainer, RunFolder? folder, string corpusName,
        SeededRandom maskRandom, IReadOnlyList<EpochMetrics> earlierMetrics, string? checkpoint)
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
        _captureSamples = Math.Min(options.CaptureSamples ?? CaptureRecorder.DefaultSamples(trainer.Model, trainer.SampleCount), trainer.SampleCount);
        Captures = new CaptureStore(
            folder?.Path ?? "in memory", trainer.Model.Config, data.Vocabulary, data.Samples.Take(_captureSamples).ToList(),
            folder?.CapturesDirectory, AllMetrics)
        {
            // Room for two checkpoints with their optimizer files (the one written and the one being written) and the
            // metrics of every epoch still to train.
            ReservedSpace = (2L * 3 * 4 * trainer.Parameters.Length) + (128L * Math.Max(0, options.Epochs - trainer.Epoch)) + (1L << 20),
        };
    }

    /// <summary>The model being trained.</summary>
    public IBertModel Model => Trainer.Model;

    /// <summary>The vocabulary and the masked samples.</summary>
    public TrainingData Data { get; }

    /// <summary>The trainer: weights, gradients, Adam's state and the activations of the last batch.</summary>
    public Trainer Trainer { get; }

    /// <summary>The run folder, or null for a run kept in memory.</summary>
    public RunFolder? Folder { get; }

    /// <summary>Where the pairs came from: a corpus file, <see cref="DefaultCorpusName"/>, or a name given in code.</summary>
    public string CorpusName { get; }

    /// <summary>The settings the run trains with (for a resumed run, those it started with and the new epoch count).</summary>
    public TrainingOptions Options => _options;

    /// <summary>The epochs whose tensors this run captures.</summary>
    public IReadOnlyCollection<int> CaptureEpochs => _captures;

    /// <summary>The samples a capture holds: the run's first this many.</summary>
    public int CaptureSamples => _captureSamples;

    /// <summary>Metrics of every epoch trained by this object (a resumed run's earlier rows are not here).</summary>
    public IReadOnlyList<EpochMetrics> Metrics => _metrics;

    /// <summary>What the run has recorded so far, captures included, to read with the explorer.</summary>
    public CaptureStore Captures { get; }

    /// <summary>
    /// Prepares a run of <paramref name="model"/> on <paramref name="pairs"/>: builds the vocabulary and the masked
    /// samples and creates the model; with a <paramref name="folder"/>, writes config.json, vocab.txt, samples.json,
    /// corpus.txt, metrics.csv's header and the initial checkpoint into a staging folder and renames it into place, so
    /// that a start that fails or is killed leaves nothing behind. Without a folder, the run and its captures stay in
    /// memory.
    /// </summary>
    /// <param name="model">The generated model, e.g. <c>TinyBert.Definition</c>.</param>
    /// <param name="pairs">The sentence pairs to train on.</param>
    /// <param name="options">Training settings.</param>
    /// <param name="folder">The run folder to create (new or empty), or null to keep the run in memory.</param>
    /// <param name="corpusName">Where the pairs came from, for messages and config.json: a corpus file's path, say.</param>
    /// <exception cref="InputException">A pair, the configuration's vocabulary size or the folder is wrong.</exception>
    /// <exception cref="SettingException">A setting is out of its range, or the folder is not new or empty.</exception>
    public static TrainingRun Start(ModelDefinition model, IReadOnlyList<SentencePair> pairs, TrainingOptions options, string? folder = null, string corpusName = "pairs")
    {
        options.Validate();
        var captures = CaptureSchedule.Resolve(options);
        pairs = Numbered(pairs);
        var data = TrainingData.Create(pairs, corpusName, model.Shape.MaxLen, model.Shape.MaxPred, new SeededRandom(MaskSeed(options.Seed)));
        var created = Create(model, data.Vocabulary.Count, corpusName);
        var trainer = new Trainer(created, data.Samples, options.Adam, new SeededRandom(options.Seed)) { Threads = options.Threads };
        var maskRandom = new SeededRandom(MaskSeed(options.Seed) + 1);
        if (folder is null)
        {
            return new TrainingRun(options, captures, data, trainer, null, corpusName, maskRandom, [], null);
        }

        var staged = RunFolder.Stage(folder);
        RunFolder runFolder;
        try
        {
            var f = staged.Staging;
            f.WriteConfig(created.Config, options, corpusName);
            f.WriteVocabulary(data.Vocabulary);
            f.WriteSamples(data.Samples, data.Vocabulary);
            f.WriteCorpus(pairs);
            MetricsLog.Create(f.MetricsFile).Dispose();
            WriteCheckpoint(f, trainer, options.DynamicMasking ? maskRandom.State : null, 0);
            runFolder = staged.Commit();
        }
        catch
        {
            staged.Abandon();
            throw;
        }

        return new TrainingRun(options, captures, data, trainer, runFolder, corpusName, maskRandom, [], runFolder.CheckpointFile(0));
    }

    /// <summary>
    /// Reopens the run at <paramref name="path"/> from its newest consistent checkpoint (one with its optimizer state,
    /// whose epochs metrics.csv holds) to train it up to <see cref="ResumeOptions.Epochs"/> epochs in all: weights, Adam
    /// state and masking stream as they were. Rows of metrics.csv up to the checkpoint are kept as they were; later
    /// ones, which a kill can leave, are dropped and trained again. The run folder stays locked to this run until
    /// training ends.
    /// </summary>
    /// <exception cref="InputException">The run is missing, damaged, of another configuration, in use, or already that far.</exception>
    public static TrainingRun Resume(ModelDefinition model, string path, ResumeOptions resume)
    {
        var archive = RunArchive.Open(path);
        var folder = archive.Folder;
        var runLock = RunLock.Acquire(folder.Path);
        try
        {
            ProcessIds.DeleteStaleTemporaryFiles(folder.Path);
            var (saved, corpusName) = folder.ReadTrainingSettings();
            var options = saved with
            {
                SaveEvery = resume.SaveEvery,
                CaptureEpochs = resume.CaptureEpochs,
                CaptureEvery = resume.CaptureEvery,
                Threads = resume.Threads,
                CaptureSamples = resume.CaptureSamples,
            };
            var rows = MetricsLog.CompleteRows(folder.MetricsFile);
            var resumable = folder.ResumableEpochs().Where(e => e <= rows.Count).ToList();
            if (resumable.Count == 0)
            {
                throw new InputException($"'{path}' has no checkpoint with its optimizer state and its epochs in metrics.csv to resume from.");
            }

            int from = resumable[^1];
            options = options with { Epochs = resume.Epochs ?? options.Epochs };
            if (options.Epochs <= from)
            {
                throw new SettingException(SettingNames.Epochs, name => $"'{path}' has already trained {from} epochs; give {name} a total larger than that.");
            }

            options.Validate();
            var created = Create(model, archive.Vocabulary.Count, path);
            if (!created.Config.SameShape(archive.Config))
            {
                throw new InputException(
                    $"'{path}' was trained with another configuration ({Describe(archive.Config)}) than this build's bertgen.json ({Describe(created.Config)}).");
            }

            var earlier = rows.Take(from).ToList();
            var earlierMetrics = MetricsLog.Parse(folder.MetricsFile, earlier);
            var pairs = options.DynamicMasking ? folder.ReadCorpus() ?? SavedCorpus(corpusName) : null;
            var data = TrainingData.Restore(pairs, corpusName, archive.Vocabulary, archive.Samples, created.Config.MaxLen, created.Config.MaxPred);
            var trainer = new Trainer(created, data.Samples, options.Adam, initialRandom: null) { Threads = options.Threads };
            string checkpoint = folder.CheckpointFile(from);
            Checkpoint.Load(checkpoint, created).CopyTo(trainer.Parameters, 0);
            string? maskState = OptimizerCheckpoint.Load(OptimizerCheckpoint.PathFor(checkpoint), created, trainer.Optimizer, (long)from * trainer.Batches.Count);
            trainer.Epoch = from;
            var maskRandom = maskState is null ? new SeededRandom(MaskSeed(options.Seed) + 1) : SeededRandom.FromState(maskState);
            var captures = new SortedSet<int>(CaptureSchedule.Resolve(options).Where(e => e > from));
            folder.WriteConfig(created.Config, options, corpusName);
            var run = new TrainingRun(options, captures, data, trainer, folder, corpusName, maskRandom, earlierMetrics, checkpoint)
            {
                _lock = runLock,
                _log = MetricsLog.Resume(folder.MetricsFile, earlier),
            };
            return run;
        }
        catch
        {
            runLock.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains up to the configured epochs, calling <paramref name="onEpoch"/> after each and writing the captures and
    /// checkpoints due; then the last checkpoint (before the last capture: the trained state comes first), and returns
    /// the trained model's predictions. When <paramref name="stop"/> is cancelled, finishes the current epoch, saves a
    /// checkpoint of it and returns. A loss or weight that is not finite stops training, and the checkpoints of the
    /// weights that gave it are set aside (renamed *.diverged.safetensors). A capture that cannot be written is
    /// reported and training goes on; a checkpoint that cannot be written stops it, the newest one written kept.
    /// </summary>
    /// <exception cref="RunInUseException">Another process trains the run's folder.</exception>
    public TrainingResult Train(Action<EpochMetrics>? onEpoch = null, CancellationToken stop = default)
    {
        if (Folder is not null)
        {
            _lock ??= RunLock.Acquire(Folder.Path);
            _log ??= MetricsLog.Resume(Folder.MetricsFile, MetricsLog.CompleteRows(Folder.MetricsFile).Take(Trainer.Epoch).ToList());
        }

        try
        {
            return TrainEpochs(onEpoch, stop);
        }
        finally
        {
            ReleaseFolder();
        }
    }

    /// <summary>Flushes metrics.csv and releases the run folder's lock.</summary>
    public void Dispose() => ReleaseFolder();

    private TrainingResult TrainEpochs(Action<EpochMetrics>? onEpoch, CancellationToken stop)
    {
        var recorder = new CaptureRecorder(Trainer, Captures, _captureSamples);
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

            bool capture = _captures.Contains(epoch - 1) && !_capturesFailed;
            var metrics = Trainer.TrainEpoch(capture ? recorder.AfterBackward : null);
            _metrics.Add(metrics);
            if (!TryLog(metrics, epoch))
            {
                return Stopped(TrainingOutcome.WriteFailed, first, epoch, clock.Elapsed - fileTime.Elapsed);
            }

            onEpoch?.Invoke(metrics);
            if (!double.IsFinite(metrics.Loss))
            {
                return Diverged(first, epoch, epoch - 1, clock.Elapsed - fileTime.Elapsed);
            }

            bool save = _options.SaveEvery > 0 && epoch % _options.SaveEvery == 0 && epoch != _options.Epochs;
            bool interrupted = stop.IsCancellationRequested && epoch != _options.Epochs;
            if (capture || save || interrupted)
            {
                fileTime.Start();
                if (capture)
                {
                    TryCapture(recorder, epoch - 1, metrics);
                }

                if (save || interrupted)
                {
                    if (SaveCheckpoint(epoch) is { } outcome)
                    {
                        return outcome == TrainingOutcome.Diverged
                            ? Diverged(first, epoch, epoch, clock.Elapsed - fileTime.Elapsed)
                            : Stopped(outcome, first, epoch, clock.Elapsed - fileTime.Elapsed);
                    }
                }

                fileTime.Stop();
            }

            if (interrupted)
            {
                return Stopped(TrainingOutcome.Interrupted, first, epoch, clock.Elapsed - fileTime.Elapsed);
            }
        }

        var elapsed = clock.Elapsed - fileTime.Elapsed;
        bool captureLast = _captures.Contains(_options.Epochs) && !_capturesFailed;
        var predictions = new List<SamplePrediction>();
        var final = Trainer.Evaluate(
            b =>
            {
                if (captureLast)
                {
                    recorder.AfterBackward(b);
                }

                KeepPredictions(b, predictions);
            },
            backward: captureLast);
        var counts = Trainer.LastCounts;
        if (!double.IsFinite(final.Loss))
        {
            return Diverged(first, Trainer.Epoch, Trainer.Epoch, elapsed);
        }

        if (SaveCheckpoint(Trainer.Epoch) is { } failed)
        {
            return failed == TrainingOutcome.Diverged ? Diverged(first, Trainer.Epoch, Trainer.Epoch, elapsed) : Stopped(failed, first, Trainer.Epoch, elapsed);
        }

        if (captureLast)
        {
            TryCapture(recorder, _options.Epochs, final);
        }

        return new TrainingResult(TrainingOutcome.Completed, Trainer.Epoch - first + 1, Trainer.Epoch, Steps(first, Trainer.Epoch), elapsed, _checkpoint, final, predictions)
        {
            Problems = _problems.ToList(),
            FinalCounts = counts,
        };
    }

    /// <summary>
    /// Adds the predictions of the samples of batch <paramref name="batch"/> that are among the first
    /// <see cref="KeptPredictions"/>, read from the trainer's activations after that batch's forward pass.
    /// </summary>
    private void KeepPredictions(int batch, List<SamplePrediction> into)
    {
        int first = batch * Model.Config.BatchSize;
        for (int s = 0; s < Trainer.Batches[batch].Count && first + s < KeptPredictions; s++)
        {
            var sample = Data.Samples[first + s];
            into.Add(SamplePrediction.Read(
                HeadOutputs.Of(Model.Activations, Trainer.BatchActivations(s)), sample.InputIds, sample.MaskedPositions, sample.MaskedTokens, sample.IsNext, Data.Vocabulary));
        }
    }

    /// <summary>The rows before a resume and those since, as metrics.csv holds them.</summary>
    private IReadOnlyList<EpochMetrics> AllMetrics()
    {
        return [.. _earlierMetrics, .. _metrics];
    }

    /// <summary>Appends the epoch's row to metrics.csv; false, with the problem noted, when the disk refuses it.</summary>
    private bool TryLog(EpochMetrics metrics, int epoch)
    {
        try
        {
            _log?.Append(metrics);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _problems.Add($"metrics.csv could not be written at epoch {epoch} ({e.Message})");
            return false;
        }
    }

    /// <summary>Writes a capture; a failure to write it (a full disk) is reported, and no later epoch is captured.</summary>
    private void TryCapture(CaptureRecorder recorder, int epoch, EpochMetrics metrics)
    {
        try
        {
            recorder.Write(epoch, metrics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _capturesFailed = true;
            _problems.Add($"the capture of epoch {epoch} was not written ({e.Message}); training went on, and no later epoch is captured");
        }
    }

    /// <summary>
    /// The weights after epoch <paramref name="firstBad"/> and every later one gave a loss (or held a value) that is not
    /// finite: their checkpoints are renamed *.diverged.safetensors, so that resume, predict and export take the newest
    /// good one.
    /// </summary>
    private TrainingResult Diverged(int first, int epoch, int firstBad, TimeSpan elapsed)
    {
        if (Folder is not null)
        {
            foreach (int e in Folder.CheckpointEpochs().Where(e => e >= Math.Max(1, firstBad)))
            {
                string checkpoint = Folder.CheckpointFile(e);
                foreach (var file in new[] { checkpoint, OptimizerCheckpoint.PathFor(checkpoint) })
                {
                    if (File.Exists(file))
                    {
                        File.Move(file, file[..^".safetensors".Length] + ".diverged.safetensors", overwrite: true);
                    }
                }
            }

            var good = Folder.CheckpointEpochs();
            _checkpoint = good.Count > 0 ? Folder.CheckpointFile(good[^1]) : null;
        }

        return Stopped(TrainingOutcome.Diverged, first, epoch, elapsed);
    }

    private TrainingResult Stopped(TrainingOutcome outcome, int first, int epoch, TimeSpan elapsed)
    {
        try
        {
            _log?.Flush();
        }
        catch (Exception e) when (outcome == TrainingOutcome.WriteFailed && e is IOException or UnauthorizedAccessException)
        {
            // The disk refused already; the problem is noted, and the rows that were flushed stand.
        }

        return new TrainingResult(outcome, epoch - first + 1, epoch, Steps(first, epoch), elapsed, _checkpoint, _metrics.Count > 0 ? _metrics[^1] : default, [])
        {
            Problems = _problems.ToList(),
        };
    }

    private long Steps(int first, int last) => (long)Math.Max(0, last - first + 1) * Trainer.Batches.Count;

    /// <summary>
    /// Flushes metrics.csv, then writes Adam's state and the weights (nothing for a run in memory). Returns null when
    /// saved; <see cref="TrainingOutcome.Diverged"/> (writing nothing) when a weight is not finite;
    /// <see cref="TrainingOutcome.WriteFailed"/> when the disk refused, the newest checkpoint written staying.
    /// </summary>
    private TrainingOutcome? SaveCheckpoint(int epoch)
    {
        foreach (float w in Trainer.Parameters)
        {
            if (!float.IsFinite(w))
            {
                return TrainingOutcome.Diverged;
            }
        }

        if (Folder is null)
        {
            return null;
        }

        try
        {
            _log?.Flush();
            WriteCheckpoint(Folder, Trainer, _options.DynamicMasking ? _maskRandom.State : null, epoch);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _problems.Add($"the checkpoint of epoch {epoch} could not be written ({e.Message})");
            return TrainingOutcome.WriteFailed;
        }

        _checkpoint = Folder.CheckpointFile(epoch);
        return null;
    }

    /// <summary>Adam's state, then the weights: a checkpoint counts only once both are there.</summary>
    private static void WriteCheckpoint(RunFolder folder, Trainer trainer, string? maskState, int epoch)
    {
        string path = folder.CheckpointFile(epoch);
        OptimizerCheckpoint.Save(OptimizerCheckpoint.PathFor(path), trainer.Model, trainer.Optimizer, maskState);
        Checkpoint.Save(path, trainer.Model, trainer.Parameters, epoch);
    }

    private void ReleaseFolder()
    {
        try
        {
            _log?.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Every row up to the newest checkpoint was flushed before it was written; what the disk refused now is
            // trained again on resume.
        }
        finally
        {
            _log = null;
            _lock?.Dispose();
            _lock = null;
        }
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
        catch (OverflowException e)
        {
            throw new InputException($"{source}: a vocabulary of {vocabulary} tokens is too large for {model.Name}: its sizes would not fit an array.", e);
        }
    }

    private static string Describe(ModelConfig c) =>
        $"maxLen {c.MaxLen}, batch {c.BatchSize}, maxPred {c.MaxPred}, {c.Layers} layers, {c.Heads} heads of {c.DK}, dModel {c.DModel}, dFF {c.DFF}, " +
        $"segments {c.Segments}, ffnAddNorm {c.FfnAddNorm}, embeddingLayerNorm {c.EmbeddingLayerNorm}, eps {c.LayerNormEps}, vocabulary {c.VocabSize}";

    private static ulong MaskSeed(ulong seed) => seed ^ 0x6D61736B5F736565UL;
}
