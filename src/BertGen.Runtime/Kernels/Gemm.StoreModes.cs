using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

        /// <summary>
        /// The stores of a product whose packed B is one panel (<see cref="SinglePanelOutput{T}"/>):
        /// its row's last vector starts at column <paramref name="last"/>, every vector before it is whole.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public SinglePanelOutput<T> SinglePanel(int last)
        {
            int vc = Vector256<T>.Count;
            Debug.Assert(last % vc == 0 && last < _n && _n <= last + vc, "The last vector holds the row's last columns.");
            var lastBias = _n == last + vc && !_bias.IsEmpty ? Vector256.Create(_bias.Slice(last)) : _tailBias;
            return new SinglePanelOutput<T>(ref _c, _length, _n, last, _alpha, _bias, lastBias, _tailMask, _tailLastFour);
        }
    }

    /// <summary>
    /// <see cref="Output{T}"/> for a product whose packed B is one panel (<see cref="Rows7x1"/>, <see cref="Rows4x3"/>):
    /// the block knows which of its vectors is a row's last, so a store tests no column against n, and the last vector's
    /// values (its lanes, their count, permutation and bias) are locals of the block rather than fields read again after
    /// every store to C. The same operations in the same order as <see cref="Output{T}.Store"/>, so the same bits.
    /// </summary>
    private readonly ref struct SinglePanelOutput<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ref T _c;
        private readonly ref T _bias;
        private readonly ref T _cLast;
        private readonly nint _lastWhole;
        private readonly int _lastCount;
        private readonly nint _lastFourAt;
        private readonly Vector256<T> _alpha;
        private readonly Vector256<T> _lastBias;
        private readonly Vector256<T> _mask;
        private readonly Vector256<int> _lastFour;

        /// <summary>
        /// Stores into <paramref name="c"/> (<paramref name="length"/> values) of rows of n columns, the last vector at
        /// column <paramref name="last"/>: scaled by <paramref name="alpha"/>, plus <paramref name="bias"/> (n values, or
        /// none), the last vector's bias being <paramref name="lastBias"/> (zero where there is none), its lanes below n
        /// <paramref name="mask"/> and its permutation <paramref name="lastFour"/> (<see cref="VectorMath.LastFour"/>).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public SinglePanelOutput(
            ref T c, int length, int n, int last, Vector256<T> alpha, ReadOnlySpan<T> bias, Vector256<T> lastBias, Vector256<T> mask, Vector256<int> lastFour)
        {
            _c = ref c;
            _bias = ref MemoryMarshal.GetReference(bias);
            _cLast = ref Unsafe.Add(ref c, last);
            _lastWhole = length - last - Vector256<T>.Count;
            _lastCount = n - last;
            _lastFourAt = n - last - 4;
            _alpha = alpha;
            _lastBias = lastBias;
            _mask = mask;
            _lastFour = lastFour;
        }

        /// <summary>A whole vector before the row's last, at a row's offset and a column: scaled, plus bias, over or onto C.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void StoreWhole<TMode>(nint row, nint column, Vector256<T> value)
            where TMode : struct, IStoreMode
        {
            if (TMode.Scaled)
            {
                value *= _alpha;
            }

            if (TMode.Biased)
            {
                value += Vector256.LoadUnsafe(ref Unsafe.Add(ref _bias, column));
            }

            ref T at = ref Unsafe.Add(ref _c, row + column);
            if (TMode.Accumulate)
            {
                value += Vector256.LoadUnsafe(ref at);
            }

            value.StoreUnsafe(ref at);
        }

        /// <summary>A row's last vector, at the row's offset.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void StoreLast<TMode>(nint row, Vector256<T> value)
            where TMode : struct, IStoreMode
        {
            if (TMode.Scaled)
            {
                value *= _alpha;
            }

            ref T at = ref Unsafe.Add(ref _cLast, row);
            if (_lastCount == Vector256<T>.Count)
            {
                if (TMode.Biased)
                {
                    value += _lastBias;
                }

                if (TMode.Accumulate)
                {
                    value += Vector256.LoadUnsafe(ref at);
                }

                value.StoreUnsafe(ref at);
                return;
            }

            value += _lastBias;
            if (TMode.Accumulate)
            {
                value += VectorMath.LoadMasked(ref at, _mask, row <= _lastWhole);
            }

            if (typeof(T) == typeof(float) && Avx2.IsSupported && _lastCount >= 4)
            {
                // VectorMath.StoreMasked's two 16-byte stores, the second's offset worked out once.
                ref float to = ref Unsafe.As<T, float>(ref at);
                value.AsSingle().GetLower().StoreUnsafe(ref to);
                Avx2.PermuteVar8x32(value.AsSingle(), _lastFour).GetLower().StoreUnsafe(ref Unsafe.Add(ref to, _lastFourAt));
                return;
            }

            VectorMath.StoreMasked(value, ref at, _mask, _lastCount, _lastFour);
        }
    }
}
