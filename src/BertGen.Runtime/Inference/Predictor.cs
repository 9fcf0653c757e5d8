using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Runs;

namespace BertGen.Inference;

/// <summary>The top words for one [MASK] of a question, with their probabilities and logits.</summary>
public sealed record MaskPrediction(int Position, IReadOnlyList<(int Id, float Probability, float Logit)> Top);

/// <summary>
/// What a trained model says about a sentence pair: the likeliest words per [MASK], and IsNext's two logits
/// (NotNext, IsNext) and probability.
/// </summary>
public sealed record PairPrediction(string Input, IReadOnlyList<MaskPrediction> Masks, float NotNextLogit, float IsNextLogit, float IsNextProbability);

/// <summary>Asks a trained model about new sentence pairs with [MASK] in them.</summary>
public sealed class Predictor
{
    /// <summary>Words listed per [MASK].</summary>
    public const int TopCount = 5;

    private readonly float[] _parameters;
    private readonly float[] _activations;
    private readonly Batch _batch;

    /// <summary>A predictor of <paramref name="model"/> with <paramref name="parameters"/> (kept, not copied), which came from <paramref name="source"/>.</summary>
    public Predictor(IBertModel model, Vocabulary vocabulary, float[] parameters, string source)
    {
        Model = model;
        Vocabulary = vocabulary;
        Source = source;
        _parameters = parameters;
        _activations = new float[model.Activations.Length];
        _batch = new Batch(1, model.Config.MaxLen, model.Config.MaxPred);
    }

    /// <summary>The model that predicts.</summary>
    public IBertModel Model { get; }

    /// <summary>The vocabulary it was trained with.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>The checkpoint the weights came from.</summary>
    public string Source { get; }

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

    /// <summary>Predicts every [MASK] of the pair and whether the second sentence follows the first.</summary>
    /// <exception cref="InputException">A word is not in the vocabulary, the pair does not fit, or it has too many [MASK]s.</exception>
    public PairPrediction Predict(string first, string second)
    {
        var c = Model.Config;
        var (sample, masks) = Run(first, second);
        var ids = sample.InputIds.TakeWhile(id => id != Vocabulary.Pad).ToArray();
        var probs = Model.Activations["probs_lm"].Of<float>(_activations).ToArray();
        var logits = Model.Activations["logits_lm"].Of<float>(_activations).ToArray();
        var results = new List<MaskPrediction>();
        for (int m = 0; m < masks.Length; m++)
        {
            int at = m * c.VocabSize;
            var top = Enumerable.Range(0, c.VocabSize)
                .Select(id => (Id: id, Probability: probs[at + id], Logit: logits[at + id]))
                .OrderByDescending(x => x.Probability).ThenBy(x => x.Id).Take(TopCount).ToList();
            results.Add(new MaskPrediction(masks[m], top));
        }

        var clsf = Model.Activations["logits_clsf"].Of<float>(_activations);
        float isNext = Model.Activations["probs_clsf"].Of<float>(_activations)[1];
        return new PairPrediction(Vocabulary.Decode(ids), results, clsf[0], clsf[1], isNext);
    }

    /// <summary>
    /// Runs the pair through the model and records the pass as a capture of <paramref name="epoch"/> (its activations,
    /// inputs and the weights; no gradients, as there is no label to learn from), for the explorer to show.
    /// </summary>
    /// <exception cref="InputException">A word is not in the vocabulary, the pair does not fit, or it has too many [MASK]s.</exception>
    public CaptureStore Record(string first, string second, int epoch)
    {
        var (sample, _) = Run(first, second);
        var store = new CaptureStore($"{Source}, a new pair", Model.Config, Vocabulary, [sample], null, () => []);
        store.Add(
            epoch,
            CaptureRecorder.Tensors(Model, 1, [_batch], _ => _activations, _parameters, gradients: null),
            CaptureRecorder.Metadata(Model, epoch, 1, metrics: null));
        return store;
    }

    /// <summary>Encodes the pair, [MASK]s as masked slots, and runs the forward pass into the activations.</summary>
    private (EncodedSample Sample, int[] Masks) Run(string first, string second)
    {
        var c = Model.Config;
        var ids = new List<int> { Vocabulary.Cls };
        ids.AddRange(Encode(first, "first"));
        ids.Add(Vocabulary.Sep);
        int secondStart = ids.Count;
        ids.AddRange(Encode(second, "second"));
        ids.Add(Vocabulary.Sep);
        if (ids.Count > c.MaxLen)
        {
            throw new InputException($"the pair has {ids.Count} tokens with [CLS] and two [SEP], but the model takes at most {c.MaxLen} (maxLen).");
        }

        var masks = Enumerable.Range(0, ids.Count).Where(t => ids[t] == Vocabulary.Mask).ToArray();
        if (masks.Length > c.MaxPred)
        {
            throw new InputException($"the pair has {masks.Length} [MASK]s, but the model predicts at most {c.MaxPred} per sample (maxPred).");
        }

        var input = new int[c.MaxLen];
        var segments = new int[c.MaxLen];
        ids.CopyTo(input);
        for (int t = secondStart; t < ids.Count; t++)
        {
            segments[t] = 1;
        }

        var positions = new int[c.MaxPred];
        var tokens = new int[c.MaxPred];
        masks.CopyTo(positions, 0);
        Array.Fill(tokens, Vocabulary.Mask, 0, masks.Length); // any word but [PAD]: marks the slot as real
        var sample = new EncodedSample(first + " " + second, input, segments, positions, tokens, false);
        _batch.Load([sample]);
        Model.ForwardSamples<float>(_parameters, _batch, 0, 1, _activations);
        foreach (var name in new[] { "probs_lm", "probs_clsf" })
        {
            foreach (float p in Model.Activations[name].Of<float>(_activations))
            {
                if (!float.IsFinite(p))
                {
                    throw new InputException($"'{Source}': its weights give probabilities that are not finite (a run that diverged?); choose an earlier checkpoint.");
                }
            }
        }

        return (sample, masks);
    }

    private IEnumerable<int> Encode(string sentence, string which)
    {
        var words = Tokenizer.Words(sentence);
        if (words.Length == 0)
        {
            throw new InputException($"the {which} sentence has no words.");
        }

        foreach (var word in words)
        {
            if (word == "[mask]")
            {
                yield return Vocabulary.Mask;
            }
            else if (Vocabulary.TryGetId(word, out int id) && id >= Vocabulary.FirstWord)
            {
                yield return id;
            }
            else
            {
                throw new InputException($"the word '{word}' is not in the vocabulary of the run ({Vocabulary.Count} tokens; see its vocab.txt).");
            }
        }
    }
}
