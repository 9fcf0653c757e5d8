using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Kernels;
using BertGen.Runs;

namespace BertGen.Inference;

/// <summary>Asks a trained model about new sentence pairs with [MASK] in them; one thread at a time (it reuses its buffers).</summary>
public sealed class Predictor
{
    private readonly float[] _parameters;
    private readonly PackedWeights<float> _packed;
    private readonly float[] _outputs;
    private readonly Batch _batch;
    private float[]? _activations;

    /// <summary>
    /// A predictor of <paramref name="model"/> with <paramref name="parameters"/> (kept, not copied), which came from
    /// <paramref name="source"/>. They must not change while the predictor is in use: it packs each weight matrix once,
    /// at its first prediction (<see cref="PackedWeights{T}"/>); make a new predictor for other weights.
    /// </summary>
    public Predictor(IBertModel model, Vocabulary vocabulary, float[] parameters, string source)
    {
        Model = model;
        Vocabulary = vocabulary;
        Source = source;
        _parameters = parameters;
        _packed = new PackedWeights<float>(parameters);
        _outputs = new float[model.Outputs.Length];
        _batch = new Batch(1, model.Config.MaxLen, model.Config.MaxPred);
    }

    /// <summary>The model that predicts.</summary>
    public IBertModel Model { get; }

    /// <summary>The vocabulary it was trained with.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>The checkpoint the weights came from.</summary>
    public string Source { get; }

    /// <summary>
    /// Threads a pair's larger matrix products are split over, by rows (1 by default): worth 2 on two cores for a model
    /// of hundreds of tokens and a width of hundreds; the predictions are the same bits.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than 1 or more than 64.</exception>
    public int Threads
    {
        get => _packed.Threads;
        set => _packed.Threads = value;
    }

    /// <summary>
    /// Loads the weights of the run's newest checkpoint, or of <paramref name="checkpoint"/>, into <paramref name="model"/>.
    /// </summary>
    /// <exception cref="InputException">No such checkpoint, or a model or checkpoint of another configuration.</exception>
    public static Predictor Load(RunArchive run, ModelDefinition model, string? checkpoint)
    {
        var created = model.Create(run.Vocabulary.Count);
        if (!created.Config.SameShape(run.Config))
        {
            throw new InputException($"'{run.Folder.Path}' was trained with another configuration than this build's bertgen.json; rebuild with the run's configuration.");
        }

        checkpoint ??= run.Folder.NewestCheckpoint();
        if (!File.Exists(checkpoint))
        {
            throw new InputException($"there is no checkpoint '{checkpoint}'.");
        }

        return new Predictor(created, run.Vocabulary, Checkpoint.Load(checkpoint, created), checkpoint);
    }

    /// <summary>A predictor of the weights <paramref name="run"/> has trained so far (copied, so training may go on).</summary>
    public static Predictor FromRun(TrainingRun run) =>
        new(run.Model, run.Data.Vocabulary, run.Trainer.Parameters.ToArray(), run.Folder?.Path ?? "a run in memory");

    /// <summary>Predicts every [MASK] of the pair (its top words) and whether the second sentence follows the first.</summary>
    /// <exception cref="InputException">A word is not in the vocabulary, the pair does not fit, or it has too many [MASK]s.</exception>
    /// <remarks>
    /// The inference pass: it keeps one layer's activations and the output layer's, not every layer's, and packs each
    /// weight matrix once for all the predictions of this predictor.
    /// </remarks>
    public SamplePrediction Predict(string first, string second, int top = SamplePrediction.DefaultTop)
    {
        var sample = Encode(first, second);
        using (_packed.Use())
        {
            Model.InferSamples<float>(_parameters, _batch, 0, 1, _outputs);
        }

        CheckFinite(Model.Outputs, _outputs);
        return SamplePrediction.Read(
            HeadOutputs.Of(Model.Outputs, _outputs), sample.InputIds, sample.MaskedPositions, sample.MaskedTokens, isNext: null, Vocabulary, wordsKnown: false, top);
    }

    /// <summary>
    /// Runs the pair through the model and records the pass as a capture of <paramref name="epoch"/> (its activations,
    /// inputs and the weights; no gradients, as there is no label to learn from), for the explorer to show.
    /// </summary>
    /// <exception cref="InputException">A word is not in the vocabulary, the pair does not fit, or it has too many [MASK]s.</exception>
    public CaptureStore Record(string first, string second, int epoch)
    {
        var sample = Encode(first, second);
        var activations = _activations ??= new float[Model.Activations.Length];
        using (_packed.Use())
        {
            Model.ForwardSamples<float>(_parameters, _batch, 0, 1, activations);
        }

        CheckFinite(Model.Activations, activations);
        var store = new CaptureStore($"{Source}, a new pair", Model.Config, Vocabulary, [sample], null, () => []);
        store.Add(
            epoch,
            CaptureFile.Contents(Model, 1, [_batch], _ => activations, _parameters, gradients: null),
            CaptureFile.Metadata(Model, epoch, 1, metrics: null));
        return store;
    }

    /// <summary>Encodes the pair, [MASK]s as masked slots, into the batch of one.</summary>
    private EncodedSample Encode(string first, string second)
    {
        var sample = new SampleEncoder(Vocabulary, Model.Config.MaxLen, Model.Config.MaxPred).Question(first, second);
        _batch.Load([sample]);
        return sample;
    }

    /// <summary>Refuses weights whose probabilities are not finite: a prediction from them would mean nothing.</summary>
    private void CheckFinite(TensorLayout layout, float[] values)
    {
        foreach (var name in new[] { "probs_lm", "probs_clsf" })
        {
            foreach (float p in layout[name].Of<float>(values))
            {
                if (!float.IsFinite(p))
                {
                    throw new InputException($"'{Source}': its weights give probabilities that are not finite (a run that diverged?); choose an earlier checkpoint.");
                }
            }
        }
    }
}
