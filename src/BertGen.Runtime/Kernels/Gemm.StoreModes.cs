using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BertGen.Kernels;

/// <summary>How a block of results is written: over or onto C, plus a bias, scaled, as type arguments.</summary>
public static partial class Gemm
{
    /// <summary>How a product's results are written, known when its register blocks are compiled.</summary>
    private interface IStoreMode
    {
        /// <summary>Added onto C rather than written over it.</summary>
        static abstract bool Accumulate { get; }

        /// <summary>Plus a bias per column.</summary>
        static abstract bool Biased { get; }

        /// <summary>Times alpha (not one).</summary>
        static abstract bool Scaled { get; }
    }

    private interface IFlag
    {
        static abstract bool Value { get; }
    }

    private readonly struct Yes : IFlag
    {
        public static bool Value => true;
    }

    private readonly struct No : IFlag
    {
        public static bool Value => false;
    }

    private readonly struct StoreMode<TAccumulate, TBiased, TScaled> : IStoreMode
        where TAccumulate : struct, IFlag
        where TBiased : struct, IFlag
        where TScaled : struct, IFlag
    {
        public static bool Accumulate => TAccumulate.Value;

        public static bool Biased => TBiased.Value;

        public static bool Scaled => TScaled.Value;
    }

    /// <summary>Where and how a block of results is written: scaled, plus bias, over or onto C, clipped to n columns.</summary>
    private readonly ref struct Output<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ref T _c;
        private readonly int _length;
        private readonly int _n;
        private readonly Vector256<T> _alpha;
        private readonly ReadOnlySpan<T> _bias;

        // The last, partial vector of a row (when n is not a multiple of the vector): its lanes, their count and the
        // permutation its store takes (VectorMath.StoreMasked), and its bias.
        private readonly Vector256<T> _tailMask;
        private readonly int _tailCount;
        private readonly Vector256<int> _tailLastFour;
        private readonly Vector256<T> _tailBias;

        /// <summary>Results into <paramref name="c"/>, <paramref name="length"/> values from it, rows of n columns.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Output(ref T c, int length, int n, T alpha, ReadOnlySpan<T> bias)
        {
            _c = ref c;
            _length = length;
            _n = n;
            _alpha = Vector256.Create(alpha);
            _bias = bias;
            int tail = n % Vector256<T>.Count;
            if (tail > 0)
            {
                _tailMask = VectorMath.LaneMask<T>(tail);
                _tailCount = tail;
                _tailLastFour = VectorMath.LastFour(tail);
                _tailBias = bias.IsEmpty ? Vector256<T>.Zero : VectorMath.LoadMasked(ref Unsafe.AsRef(in bias[n - tail]), _tailMask);
            }
        }

        /// <summary>
        /// One vector of results at a row's offset and a column: scaled, plus bias, over or onto C as TMode says (the
        /// bias of the partial last vector is added either way, zero when there is none, as it always was).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store<TMode>(nint row, int column, Vector256<T> value)
            where TMode : struct, IStoreMode
        {
            int vc = Vector256<T>.Count;
            if (column >= _n)
            {
                return;
            }

            if (TMode.Scaled)
            {
                value *= _alpha;
            }

            ref T at = ref Unsafe.Add(ref _c, row + column);
            if (column + vc <= _n)
            {
                if (TMode.Biased)
                {
                    value += Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(_bias), (nuint)column);
                }

                if (TMode.Accumulate)
                {
                    value += Vector256.LoadUnsafe(ref at);
                }

                value.StoreUnsafe(ref at);
                return;
            }

            value += _tailBias;
            if (TMode.Accumulate)
            {
                // A plain load, masked, where the whole vector lies inside C (every row but the last).
                value += VectorMath.LoadMasked(ref at, _tailMask, row + column + vc <= _length);
            }

            VectorMath.StoreMasked(value, ref at, _tailMask, _tailCount, _tailLastFour);
        }
    }
}
