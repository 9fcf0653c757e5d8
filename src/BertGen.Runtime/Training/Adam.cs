using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BertGen.Training;

/// <summary>Adam's hyper-parameters; the defaults are PyTorch's.</summary>
public sealed record AdamSettings(double LearningRate = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8);

/// <summary>
/// Adam with PyTorch's semantics and order of operations (torch.optim.Adam, no weight decay, no amsgrad):
/// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
/// One loop over the flat parameter buffer.
/// </summary>
public sealed class Adam<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Adam for <paramref name="length"/> parameters, its moments zero.</summary>
    public Adam(int length, AdamSettings settings)
    {
        Settings = settings;
        M = new T[length];
        V = new T[length];
    }

    /// <summary>The hyper-parameters.</summary>
    public AdamSettings Settings { get; }

    /// <summary>First moments (PyTorch's exp_avg).</summary>
    public T[] M { get; }

    /// <summary>Second moments (PyTorch's exp_avg_sq).</summary>
    public T[] V { get; }

    /// <summary>Updates taken so far.</summary>
    public long Step { get; set; }

    /// <summary>Takes one step: updates the moments from <paramref name="gradients"/>, then the parameters.</summary>
    public void Update(Span<T> parameters, ReadOnlySpan<T> gradients)
    {
        if (parameters.Length != M.Length || gradients.Length != M.Length)
        {
            throw new ArgumentException($"Adam holds {M.Length} values; got {parameters.Length} parameters and {gradients.Length} gradients.");
        }

        Step++;
        var s = Settings;
        T b1 = T.CreateTruncating(s.Beta1), b2 = T.CreateTruncating(s.Beta2);
        T oneMinusB1 = T.CreateTruncating(1 - s.Beta1), oneMinusB2 = T.CreateTruncating(1 - s.Beta2);
        T stepSize = T.CreateTruncating(s.LearningRate / (1 - Math.Pow(s.Beta1, Step)));
        T correction2Sqrt = T.CreateTruncating(Math.Sqrt(1 - Math.Pow(s.Beta2, Step)));
        T eps = T.CreateTruncating(s.Epsilon);

        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T m = ref MemoryMarshal.GetArrayDataReference(M);
        ref T v = ref MemoryMarshal.GetArrayDataReference(V);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vb1 = Vector256.Create(b1);
            var vb2 = Vector256.Create(b2);
            var v1b1 = Vector256.Create(oneMinusB1);
            var v1b2 = Vector256.Create(oneMinusB2);
            var vStep = Vector256.Create(stepSize);
            var vCorr = Vector256.Create(correction2Sqrt);
            var vEps = Vector256.Create(eps);
            for (; i <= M.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                nuint at = (nuint)i;
                var gi = Vector256.LoadUnsafe(ref g, at);
                var mi = (Vector256.LoadUnsafe(ref m, at) * vb1) + (gi * v1b1);
                var vi = (Vector256.LoadUnsafe(ref v, at) * vb2) + (gi * gi * v1b2);
                var denom = (Vector256.Sqrt(vi) / vCorr) + vEps;
                (Vector256.LoadUnsafe(ref p, at) - (vStep * (mi / denom))).StoreUnsafe(ref p, at);
                mi.StoreUnsafe(ref m, at);
                vi.StoreUnsafe(ref v, at);
            }
        }

        for (; i < M.Length; i++)
        {
            T gi = gradients[i];
            T mi = M[i] = (M[i] * b1) + (gi * oneMinusB1);
            T vi = V[i] = (V[i] * b2) + (gi * gi * oneMinusB2);
            parameters[i] -= stepSize * (mi / ((T.Sqrt(vi) / correction2Sqrt) + eps));
        }
    }
}
