using BertGen.Captures;
using BertGen.Data;

namespace BertGen.Explore;

/// <summary>The words' places on the map at one captured epoch.</summary>
/// <param name="Epoch">The captured epoch.</param>
/// <param name="X">Each word's first coordinate, in the order of <see cref="EmbeddingMap.Words"/>.</param>
/// <param name="Y">Each word's second coordinate.</param>
/// <param name="Explained">The share of the embeddings' variance the two axes hold (0 to 1).</param>
public sealed record EmbeddingMapFrame(int Epoch, double[] X, double[] Y, double Explained);

/// <summary>
/// The token embeddings drawn in two dimensions at every captured epoch, so that one sees the words move as the model
/// learns: each epoch's rows of <c>bert.embeddings.word_embeddings.weight</c> (the words, not the special tokens),
/// centred, projected on that epoch's two principal components. A principal component's sign is arbitrary; each
/// epoch's is chosen to agree with the previous epoch's, so that the map does not flip from one frame to the next.
/// </summary>
/// <param name="Words">The words, by id from <see cref="Vocabulary.FirstWord"/>.</param>
/// <param name="Frames">One per captured epoch, in order.</param>
public sealed record EmbeddingMap(IReadOnlyList<string> Words, IReadOnlyList<EmbeddingMapFrame> Frames)
{
    private const string Table = "bert.embeddings.word_embeddings.weight";

    /// <summary>The map of every captured epoch of <paramref name="run"/>.</summary>
    public static EmbeddingMap Create(IRunRecord run)
    {
        int d = run.Config.DModel, first = Vocabulary.FirstWord, words = run.Vocabulary.Count - first;
        var frames = new List<EmbeddingMapFrame>();
        double[]? previousFirst = null, previousSecond = null;
        foreach (int epoch in run.CapturedEpochs)
        {
            var table = run.Capture(epoch).Parameter(Table);
            var rows = new double[words, d];
            for (int w = 0; w < words; w++)
            {
                for (int j = 0; j < d; j++)
                {
                    rows[w, j] = table[((first + w) * d) + j];
                }
            }

            var (axis1, axis2, explained) = Components(rows);
            axis1 = Agree(axis1, previousFirst);
            axis2 = Agree(axis2, previousSecond);
            (previousFirst, previousSecond) = (axis1, axis2);
            var x = new double[words];
            var y = new double[words];
            for (int w = 0; w < words; w++)
            {
                for (int j = 0; j < d; j++)
                {
                    x[w] += rows[w, j] * axis1[j];
                    y[w] += rows[w, j] * axis2[j];
                }
            }

            frames.Add(new EmbeddingMapFrame(epoch, x, y, explained));
        }

        return new EmbeddingMap(run.Vocabulary.Tokens.Skip(first).ToList(), frames);
    }

    /// <summary>
    /// Centres the rows (in place) and returns the two leading eigenvectors of their covariance, by power iteration with
    /// deflation from a fixed start, and the share of the variance they hold.
    /// </summary>
    private static (double[] First, double[] Second, double Explained) Components(double[,] rows)
    {
        int n = rows.GetLength(0), d = rows.GetLength(1);
        for (int j = 0; j < d; j++)
        {
            double mean = 0;
            for (int w = 0; w < n; w++)
            {
                mean += rows[w, j];
            }

            mean /= Math.Max(1, n);
            for (int w = 0; w < n; w++)
            {
                rows[w, j] -= mean;
            }
        }

        var covariance = new double[d, d];
        for (int a = 0; a < d; a++)
        {
            for (int b = 0; b < d; b++)
            {
                double sum = 0;
                for (int w = 0; w < n; w++)
                {
                    sum += rows[w, a] * rows[w, b];
                }

                covariance[a, b] = sum / Math.Max(1, n - 1);
            }
        }

        double total = 0;
        for (int a = 0; a < d; a++)
        {
            total += covariance[a, a];
        }

        var (first, l1) = Leading(covariance, null);
        var (second, l2) = Leading(covariance, first);
        return (first, second, total > 0 ? (l1 + l2) / total : 0);
    }

    /// <summary>
    /// The leading eigenvector (and eigenvalue) of a symmetric positive semi-definite matrix, orthogonal to
    /// <paramref name="other"/> when given: power iteration until the unit vector stops moving (to 1e-14), from a fixed
    /// start. A 7 by 7 product costs nothing, so the bound on the iterations is generous enough for close eigenvalues.
    /// </summary>
    private static (double[] Vector, double Value) Leading(double[,] m, double[]? other)
    {
        int d = m.GetLength(0);
        var v = new double[d];
        for (int j = 0; j < d; j++)
        {
            v[j] = 1.0 + (0.01 * j); // a fixed start, not orthogonal to any axis in practice
        }

        Normalise(v, other);
        double value = 0;
        var next = new double[d];
        for (int iteration = 0; iteration < 1_000_000; iteration++)
        {
            for (int a = 0; a < d; a++)
            {
                double sum = 0;
                for (int b = 0; b < d; b++)
                {
                    sum += m[a, b] * v[b];
                }

                next[a] = sum;
            }

            value = Dot(next, v);
            if (!Normalise(next, other))
            {
                break;
            }

            double moved = 0;
            for (int j = 0; j < d; j++)
            {
                moved = Math.Max(moved, Math.Abs(next[j] - v[j]));
            }

            (v, next) = (next, v);
            if (moved < 1e-14)
            {
                break;
            }
        }

        return (v, value);
    }

    /// <summary>Removes <paramref name="other"/>'s direction from <paramref name="v"/> and scales it to length 1; false when nothing is left.</summary>
    private static bool Normalise(double[] v, double[]? other)
    {
        if (other is not null)
        {
            double dot = Dot(v, other);
            for (int j = 0; j < v.Length; j++)
            {
                v[j] -= dot * other[j];
            }
        }

        double norm = Math.Sqrt(Dot(v, v));
        if (norm == 0)
        {
            return false;
        }

        for (int j = 0; j < v.Length; j++)
        {
            v[j] /= norm;
        }

        return true;
    }

    /// <summary>The axis, turned round when it points against the previous epoch's.</summary>
    private static double[] Agree(double[] axis, double[]? previous)
    {
        double sign = previous is null ? Math.Sign(axis.OrderByDescending(Math.Abs).First()) : Math.Sign(Dot(axis, previous));
        return sign < 0 ? axis.Select(v => -v).ToArray() : axis;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int j = 0; j < a.Length; j++)
        {
            sum += a[j] * b[j];
        }

        return sum;
    }
}
