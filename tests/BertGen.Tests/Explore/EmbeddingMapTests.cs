using BertGen.Data;
using BertGen.Explore;
using BertGen.Tests.Support;

namespace BertGen.Tests.Explore;

/// <summary>
/// The explorer page's embedding map against principal components found another way: the covariance of the words'
/// embeddings diagonalised by Jacobi rotations, in double precision, from the capture's weights.
/// </summary>
[Collection(DefaultRunCollection.Name)]
public sealed class EmbeddingMapTests(DefaultRunFixture run)
{
    [Fact]
    public void Every_frame_projects_the_words_on_the_two_leading_principal_components_of_that_epoch()
    {
        var record = run.Explorer.Run;
        var map = EmbeddingMap.Create(record);
        Assert.Equal(record.CapturedEpochs, map.Frames.Select(f => f.Epoch));
        Assert.Equal(record.Vocabulary.Tokens.Skip(Vocabulary.FirstWord), map.Words);
        int d = record.Config.DModel;
        foreach (var frame in map.Frames)
        {
            var table = record.Capture(frame.Epoch).Parameter("bert.embeddings.word_embeddings.weight");
            var rows = map.Words.Select((_, w) => Enumerable.Range(0, d).Select(j => (double)table[((Vocabulary.FirstWord + w) * d) + j]).ToArray()).ToArray();
            var mean = Enumerable.Range(0, d).Select(j => rows.Average(r => r[j])).ToArray();
            var centred = rows.Select(r => r.Select((v, j) => v - mean[j]).ToArray()).ToArray();
            var (values, vectors) = Jacobi(Covariance(centred));
            var order = Enumerable.Range(0, d).OrderByDescending(i => values[i]).ToArray();
            Assert.True(values[order[1]] - values[order[2]] > 1e-6 * values[order[0]], "the second component is well separated from the third");

            foreach (var (shown, component) in new[] { (frame.X, order[0]), (frame.Y, order[1]) })
            {
                var expected = centred.Select(r => Enumerable.Range(0, d).Sum(j => r[j] * vectors[j, component])).ToArray();
                double sign = Math.Sign(expected.Zip(shown).Sum(p => p.First * p.Second)); // a component's sign is arbitrary
                Assert.NotEqual(0, sign);
                for (int w = 0; w < expected.Length; w++)
                {
                    Assert.Equal(sign * expected[w], shown[w], 1e-9);
                }
            }

            double total = values.Sum();
            Assert.Equal((values[order[0]] + values[order[1]]) / total, frame.Explained, 1e-9);
        }
    }

    [Fact]
    public void A_frame_keeps_the_orientation_of_the_one_before_so_that_the_map_does_not_flip()
    {
        var map = EmbeddingMap.Create(run.Explorer.Run);

        // Between the captures of epochs 0 and 10 the embeddings barely move: each axis must point the same way.
        var (first, second) = (map.Frames[0], map.Frames[1]);
        Assert.True(first.X.Zip(second.X).Sum(p => p.First * p.Second) > 0, "the first axis does not flip");
        Assert.True(first.Y.Zip(second.Y).Sum(p => p.First * p.Second) > 0, "the second axis does not flip");
    }

    private static double[,] Covariance(double[][] centred)
    {
        int n = centred.Length, d = centred[0].Length;
        var c = new double[d, d];
        for (int a = 0; a < d; a++)
        {
            for (int b = 0; b < d; b++)
            {
                c[a, b] = centred.Sum(r => r[a] * r[b]) / (n - 1);
            }
        }

        return c;
    }

    /// <summary>The eigenvalues and eigenvectors (as columns) of a symmetric matrix, by cyclic Jacobi rotations.</summary>
    private static (double[] Values, double[,] Vectors) Jacobi(double[,] matrix)
    {
        int d = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var v = new double[d, d];
        for (int i = 0; i < d; i++)
        {
            v[i, i] = 1;
        }

        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < d; p++)
            {
                for (int q = p + 1; q < d; q++)
                {
                    off += a[p, q] * a[p, q];
                }
            }

            if (off < 1e-30)
            {
                break;
            }

            for (int p = 0; p < d; p++)
            {
                for (int q = p + 1; q < d; q++)
                {
                    if (a[p, q] == 0)
                    {
                        continue;
                    }

                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    double c = 1 / Math.Sqrt((t * t) + 1), s = t * c;
                    for (int k = 0; k < d; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = (c * akp) - (s * akq);
                        a[k, q] = (s * akp) + (c * akq);
                    }

                    for (int k = 0; k < d; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = (c * apk) - (s * aqk);
                        a[q, k] = (s * apk) + (c * aqk);
                    }

                    for (int k = 0; k < d; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = (c * vkp) - (s * vkq);
                        v[k, q] = (s * vkp) + (c * vkq);
                    }
                }
            }
        }

        return (Enumerable.Range(0, d).Select(i => a[i, i]).ToArray(), v);
    }
}
