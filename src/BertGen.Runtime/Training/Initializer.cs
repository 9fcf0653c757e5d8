using BertGen.Data;

namespace BertGen.Training;

/// <summary>
/// Seeded initialisation (docs/ARCHITECTURE.md, "The model"): embeddings N(0, 1); linear weights and biases
/// U(-1/sqrt(fanIn), 1/sqrt(fanIn)); LayerNorm gamma 1, beta 0; decoder bias 0. Tensors are filled in layout order, so
/// a seed fixes every value.
/// </summary>
public static class Initializer
{
    /// <summary>Fills <paramref name="parameters"/> as <paramref name="layout"/> says.</summary>
    public static void Initialize(TensorLayout layout, Span<float> parameters, SeededRandom random)
    {
        foreach (var tensor in layout)
        {
            var values = tensor.Of(parameters);
            switch (tensor.Init.Kind)
            {
                case TensorInitKind.Normal:
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = (float)random.NextGaussian();
                    }

                    break;
                case TensorInitKind.Uniform:
                    double bound = 1.0 / Math.Sqrt(tensor.Init.FanIn);
                    for (int i = 0; i < values.Length; i++)
                    {
                        values[i] = (float)(((2 * random.NextDouble()) - 1) * bound);
                    }

                    break;
                case TensorInitKind.Ones:
                    values.Fill(1f);
                    break;
                case TensorInitKind.Zeros:
                    values.Clear();
                    break;
                default:
                    throw new InvalidOperationException($"{tensor.Name} has no initialisation.");
            }
        }
    }
}
