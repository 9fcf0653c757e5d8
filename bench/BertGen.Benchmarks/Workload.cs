using BertGen.Data;
using BertGen.Training;

namespace BertGen.Benchmarks;

/// <summary>The sizes benchmarked (bench/configs/*.bertgen.json).</summary>
public enum Size
{
    Seed,
    Small,
    Mini,
}

/// <summary>
/// A model of one size with a trainer over one full batch: the seed size trains the default corpus; the others train
/// random full-length pairs with maxPred masks each, as bench/pytorch/bench_pytorch.py does.
/// </summary>
public sealed class Workload
{
    public Workload(Size size, int threads = 1)
    {
        Model = size switch
        {
            Size.Seed => new SeedModel(SeedModel.ConfiguredVocabSize),
            Size.Small => new SmallModel(SmallModel.ConfiguredVocabSize),
            _ => new MiniModel(MiniModel.ConfiguredVocabSize),
        };
        var c = Model.Config;
        Samples = size == Size.Seed
            ? TrainingData.Create(Corpus.Default, "default", c.MaxLen, c.MaxPred, new SeededRandom(1)).Samples
            : RandomSamples(c, new SeededRandom(1));
        Trainer = new Trainer(Model, Samples, new AdamSettings(), new SeededRandom(1)) { Threads = threads };
    }

    public IBertModel Model { get; }

    public IReadOnlyList<EncodedSample> Samples { get; }

    public Trainer Trainer { get; }

    /// <summary>One full batch of pairs that fill maxLen, half of them IsNext, with maxPred masked words each.</summary>
    public static EncodedSample[] RandomSamples(ModelConfig c, SeededRandom random)
    {
        var samples = new EncodedSample[c.BatchSize];
        for (int s = 0; s < c.BatchSize; s++)
        {
            var ids = new int[c.MaxLen];
            var segs = new int[c.MaxLen];
            int sep = c.MaxLen / 2;
            for (int t = 0; t < c.MaxLen; t++)
            {
                ids[t] = t == 0 ? Vocabulary.Cls : t == sep || t == c.MaxLen - 1 ? Vocabulary.Sep : Vocabulary.FirstWord + random.NextInt(c.VocabSize - Vocabulary.FirstWord);
                segs[t] = t > sep ? 1 : 0;
            }

            var positions = new int[c.MaxPred];
            var tokens = new int[c.MaxPred];
            for (int m = 0; m < c.MaxPred; m++)
            {
                positions[m] = 1 + (m * (c.MaxLen - 3) / c.MaxPred);
                if (positions[m] >= sep)
                {
                    positions[m]++;
                }

                tokens[m] = ids[positions[m]];
                ids[positions[m]] = Vocabulary.Mask;
            }

            samples[s] = new EncodedSample("", ids, segs, positions, tokens, s % 2 == 0);
        }

        return samples;
    }
}
