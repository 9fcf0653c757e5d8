using System.Diagnostics;
using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Training;

namespace BertGen.Runs;

/// <summary>How a training run ended: timing, the last epoch's metrics and the trained model's predictions.</summary>
/// <param name="Epochs">Epochs trained.</param>
/// <param name="Steps">Training steps (forward, backward, Adam) taken: epochs times batches.</param>
/// <param name="Elapsed">Time spent in the training loop, files excluded.</param>
/// <param name="Final">Loss and accuracy of the trained weights over every sample.</param>
/// <param name="Predictions">Each sample's predictions with the trained weights.</param>
public sealed record TrainingResult(int Epochs, long Steps, TimeSpan Elapsed, EpochMetrics Final, IReadOnlyList<SamplePrediction> Predictions)
{
    public double MicrosecondsPerStep => Steps == 0 ? 0 : Elapsed.TotalMicroseconds / Steps;
}

/// <summary>
/// One training run from start to end: reads the corpus, builds the vocabulary and the masked samples, creates the
/// model and its run folder, trains, and writes the folder's files (SPEC §5).
/// </summary>
public sealed class TrainingRun
{
    private readonly TrainingOptions _options;
    private readonly SeededRandom _maskRandom;
    private readonly List<EpochMetrics> _metrics;
    private readonly SortedSet<int> _captures;

    private TrainingRun(TrainingOptions options, SortedSet<int> captures, TrainingData data, IBertModel model, RunFolder folder, string corpusName)
    {
        _captures = captures;
        _options = options;
        Data = data;
        Model = model;
        Folder = folder;
        CorpusName = corpusName;
        _maskRandom = new SeededRandom(MaskSeed(options.Seed) + 1);
        _metrics = new List<EpochMetrics>(options.Epochs);
        Trainer = new Trainer(model, data.Samples, options.Adam, new SeededRandom(options.Seed));
    }

    public IBertModel Model { get; }

    public TrainingData Data { get; }

    public Trainer Trainer { get; }

    public RunFolder Folder { get; }

    /// <summary>The corpus file, or "default".</summary>
    public string CorpusName { get; }

    /// <summary>The epochs whose tensors this run captures.</summary>
    public IReadOnlyCollection<int> CaptureEpochs => _captures;

    /// <summary>Metrics of every epoch trained so far.</summary>
    public IReadOnlyList<EpochMetrics> Metrics => _metrics;

    /// <summary>
    /// Prepares a run: reads the corpus, builds data and model, creates the run folder and writes config.json,
    /// vocab.txt, samples.json and the initial checkpoint.
    /// </summary>
    /// <param name="createModel">Creates the generated model for a vocabulary size, e.g. <c>TinyBert.Create</c>.</param>
    /// <param name="maxLen">The model's maxLen, to encode the corpus before the model exists.</param>
    /// <param name="maxPred">The model's maxPred.</param>
    /// <param name="options">Training settings.</param>
    /// <exception cref="InputException">The corpus, the configuration's vocabulary size or the output folder is wrong.</exception>
    public static TrainingRun Start(Func<int, IBertModel> createModel, int maxLen, int maxPred, TrainingOptions options)
    {
        Validate(options);
        var captures = CaptureSchedule.Resolve(options);
        var pairs = options.CorpusPath is null ? Corpus.Default : Corpus.Load(options.CorpusPath);
        string corpusName = options.CorpusPath ?? "default";
        var data = TrainingData.Create(pairs, corpusName, maxLen, maxPred, new SeededRandom(MaskSeed(options.Seed)));
        IBertModel model;
        try
        {
            model = createModel(data.Vocabulary.Count);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InputException($"{corpusName}: {e.Message.Split(" (Parameter")[0]}", e);
        }

        var folder = RunFolder.CreateNew(options.OutputPath);
        var run = new TrainingRun(options, captures, data, model, folder, corpusName);
        folder.WriteConfig(model.Config, options, corpusName);
        folder.WriteVocabulary(data.Vocabulary);
        folder.WriteSamples(data.Samples);
        Checkpoint.Save(folder.CheckpointFile(0), model, run.Trainer.Parameters, 0);
        return run;
    }

    /// <summary>
    /// Trains for the configured epochs, calling <paramref name="onEpoch"/> after each and writing the captures and
    /// checkpoints due; then writes metrics.csv and the last checkpoint, and returns the trained model's predictions.
    /// </summary>
    public TrainingResult Train(Action<EpochMetrics>? onEpoch = null)
    {
        var recorder = new CaptureRecorder(Trainer, Folder.CapturesDirectory);
        var clock = Stopwatch.StartNew();
        var fileTime = new Stopwatch();
        for (int epoch = 1; epoch <= _options.Epochs; epoch++)
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
            if (capture || (_options.SaveEvery > 0 && epoch % _options.SaveEvery == 0 && epoch != _options.Epochs))
            {
                fileTime.Start();
                if (capture)
                {
                    recorder.WriteAfterStep(epoch - 1, metrics);
                }

                if (_options.SaveEvery > 0 && epoch % _options.SaveEvery == 0 && epoch != _options.Epochs)
                {
                    Checkpoint.Save(Folder.CheckpointFile(epoch), Model, Trainer.Parameters, epoch);
                }

                fileTime.Stop();
            }
        }

        var elapsed = clock.Elapsed - fileTime.Elapsed;
        var final = Trainer.Evaluate();
        if (_captures.Contains(_options.Epochs))
        {
            recorder.WriteEvaluated(_options.Epochs, final);
        }

        var predictions = SamplePrediction.FromTrainer(Trainer, Data.Samples);
        Folder.WriteMetrics(_metrics);
        Checkpoint.Save(Folder.CheckpointFile(Trainer.Epoch), Model, Trainer.Parameters, Trainer.Epoch);
        return new TrainingResult(_options.Epochs, (long)_options.Epochs * Trainer.Batches.Count, elapsed, final, predictions);
    }

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

        if (options.SaveEvery < 0)
        {
            throw new InputException($"--save-every is {options.SaveEvery}; give 0 (only the first and last) or more.");
        }
    }
}
