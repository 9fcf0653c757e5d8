using BertGen.Data;

namespace BertGen.Tests.Support;

/// <summary>Batches and weights for kernel tests, drawn from a seeded stream.</summary>
internal static class TestBatches
{
    /// <summary>
    /// A full batch of random pairs: sample 0 fills maxLen, the others are shorter and padded, and the last sample's
    /// last masked slot is padding.
    /// </summary>
    public static Batch Random(ModelConfig c, SeededRandom random)
    {
        var samples = new EncodedSample[c.BatchSize];
        for (int s = 0; s < c.BatchSize; s++)
        {
            int length = s == 0 ? c.MaxLen : Math.Max(5, c.MaxLen - 2 - s);
            int first = (length - 3) / 2;
            var ids = new int[c.MaxLen];
            var segs = new int[c.MaxLen];
            ids[0] = Vocabulary.Cls;
            ids[first + 1] = Vocabulary.Sep;
            ids[length - 1] = Vocabulary.Sep;
            for (int t = 1; t < length - 1; t++)
            {
                if (t != first + 1)
                {
                    ids[t] = Vocabulary.FirstWord + random.NextInt(c.VocabSize - Vocabulary.FirstWord);
                }

                segs[t] = t > first + 1 ? 1 : 0;
            }

            segs[length - 1] = 1;
            var positions = new int[c.MaxPred];
            var tokens = new int[c.MaxPred];
            int count = s == c.BatchSize - 1 ? c.MaxPred - 1 : c.MaxPred;
            for (int m = 0; m < count; m++)
            {
                int at = 1 + m;
                if (at == first + 1)
                {
                    at = length - 2;
                }

                positions[m] = at;
                tokens[m] = ids[at];
                ids[at] = m % 2 == 0 ? Vocabulary.Mask : ids[at];
            }

            samples[s] = new EncodedSample("", ids, segs, positions, tokens, random.NextInt(2) == 1);
        }

        var batch = new Batch(c.BatchSize, c.MaxLen, c.MaxPred);
        batch.Load(samples);
        return batch;
    }

    /// <summary>Initialised weights, then perturbed so that no LayerNorm is the identity and no bias is zero.</summary>
    public static double[] Weights(IBertModel model, SeededRandom random)
    {
        var floats = new float[model.Parameters.Length];
        BertGen.Training.Initializer.Initialize(model.Parameters, floats, random);
        return floats.Select(f => f + (0.1 * random.NextGaussian())).ToArray();
    }
}
