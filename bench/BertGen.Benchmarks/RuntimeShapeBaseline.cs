using System.Numerics.Tensors;
using BertGen.Data;
using BertGen.Kernels;

namespace BertGen.Benchmarks;

/// <summary>
/// The baseline that shows what generation buys: the same forward pass as a generated model, for one sample, with every
/// shape read at run time from <see cref="ModelConfig"/>, every tensor found by name, and every inner loop a
/// TensorPrimitives call (a dot product per output, a softmax per row). It reads the same flat parameters.
/// </summary>
public sealed class RuntimeShapeBaseline
{
    private readonly ModelConfig _c;
    private readonly TensorLayout _p;
    private readonly float[] _x, _q, _k, _v, _scores, _ctx, _attnOut, _mha, _hidden, _ffnOut, _row;

    public RuntimeShapeBaseline(IBertModel model)
    {
        _c = model.Config;
        _p = model.Parameters;
        int t = _c.MaxLen, d = _c.DModel, a = _c.DAttn;
        _x = new float[t * d];
        _q = new float[t * a];
        _k = new float[t * a];
        _v = new float[t * a];
        _scores = new float[t];
        _ctx = new float[t * a];
        _attnOut = new float[t * d];
        _mha = new float[t * d];
        _hidden = new float[t * _c.DFF];
        _ffnOut = new float[t * d];
        _row = new float[Math.Max(d, _c.VocabSize)];
    }

    /// <summary>Writes logits_lm [maxPred, vocab] and logits_clsf [2] of sample <paramref name="sample"/>.</summary>
    public void Forward(ReadOnlySpan<float> p, Batch batch, int sample, Span<float> logitsLm, Span<float> logitsClsf)
    {
        int t = _c.MaxLen, d = _c.DModel;
        var tok = W(p, "bert.embeddings.word_embeddings.weight");
        var pos = W(p, "bert.embeddings.position_embeddings.weight");
        var seg = W(p, "bert.embeddings.token_type_embeddings.weight");
        for (int i = 0; i < t; i++)
        {
            var xi = _x.AsSpan(i * d, d);
            TensorPrimitives.Add(tok.Slice(batch.InputIds[(sample * t) + i] * d, d), pos.Slice(i * d, d), xi);
            TensorPrimitives.Add(xi, seg.Slice(batch.SegmentIds[(sample * t) + i] * d, d), xi);
        }

        if (_c.EmbeddingLayerNorm)
        {
            LayerNorm(_x, _x, p, "bert.embeddings.LayerNorm", t);
        }

        for (int l = 0; l < _c.Layers; l++)
        {
            string pre = $"bert.encoder.layer.{l}.";
            Linear(_x, _q, p, pre + "attention.self.query", t);
            Linear(_x, _k, p, pre + "attention.self.key", t);
            Linear(_x, _v, p, pre + "attention.self.value", t);
            Attention(batch, sample);
            Linear(_ctx, _attnOut, p, pre + "attention.output.dense", t);
            TensorPrimitives.Add(_attnOut, _x, _mha);
            LayerNorm(_mha, _mha, p, pre + "attention.output.LayerNorm", t);
            Linear(_mha, _hidden, p, pre + "intermediate.dense", t);
            for (int i = 0; i < _hidden.Length; i++)
            {
                _hidden[i] = Gelu.Forward(_hidden[i]);
            }

            Linear(_hidden, _ffnOut, p, pre + "output.dense", t);
            if (_c.FfnAddNorm)
            {
                TensorPrimitives.Add(_ffnOut, _mha, _x);
                LayerNorm(_x, _x, p, pre + "output.LayerNorm", t);
            }
            else
            {
                _ffnOut.CopyTo(_x, 0);
            }
        }

        var pooled = _row.AsSpan(0, d);
        Linear(_x.AsSpan(0, d), pooled, p, "bert.pooler.dense", 1);
        TensorPrimitives.Tanh(pooled, pooled);
        Linear(pooled, logitsClsf, p, "cls.seq_relationship", 1);
        var h = new float[_c.MaxPred * d];
        for (int m = 0; m < _c.MaxPred; m++)
        {
            _x.AsSpan(batch.MaskedPositions[(sample * _c.MaxPred) + m] * d, d).CopyTo(h.AsSpan(m * d, d));
        }

        Linear(h, h, p, "cls.predictions.transform.dense", _c.MaxPred);
        for (int i = 0; i < h.Length; i++)
        {
            h[i] = Gelu.Forward(h[i]);
        }

        LayerNorm(h, h, p, "cls.predictions.transform.LayerNorm", _c.MaxPred);
        var bias = W(p, "cls.predictions.bias");
        for (int m = 0; m < _c.MaxPred; m++)
        {
            for (int v = 0; v < _c.VocabSize; v++)
            {
                logitsLm[(m * _c.VocabSize) + v] = TensorPrimitives.Dot<float>(h.AsSpan(m * d, d), tok.Slice(v * d, d)) + bias[v];
            }
        }
    }

    private void Attention(Batch batch, int sample)
    {
        int t = _c.MaxLen, a = _c.DAttn, dk = _c.DK;
        float scale = 1f / MathF.Sqrt(dk);
        Array.Clear(_ctx);
        for (int h = 0; h < _c.Heads; h++)
        {
            for (int i = 0; i < t; i++)
            {
                for (int j = 0; j < t; j++)
                {
                    _scores[j] = batch.InputIds[(sample * t) + j] == Vocabulary.Pad
                        ? -1e9f
                        : TensorPrimitives.Dot<float>(_q.AsSpan((i * a) + (h * dk), dk), _k.AsSpan((j * a) + (h * dk), dk)) * scale;
                }

                TensorPrimitives.SoftMax<float>(_scores, _scores);
                var ctx = _ctx.AsSpan((i * a) + (h * dk), dk);
                for (int j = 0; j < t; j++)
                {
                    TensorPrimitives.MultiplyAdd(_v.AsSpan((j * a) + (h * dk), dk), _scores[j], ctx, ctx);
                }
            }
        }
    }

    private void Linear(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> p, string name, int rows)
    {
        var w = _p[name + ".weight"];
        var b = W(p, name + ".bias");
        int outputs = w.Shape[0], inputs = w.Shape[1];
        var weights = w.Of(p);
        Span<float> result = stackalloc float[outputs];
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * inputs, inputs);
            for (int o = 0; o < outputs; o++)
            {
                result[o] = TensorPrimitives.Dot(xr, weights.Slice(o * inputs, inputs)) + b[o];
            }

            result.CopyTo(y.Slice(r * outputs, outputs));
        }
    }

    private void LayerNorm(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> p, string name, int rows)
    {
        int d = _c.DModel;
        var gamma = W(p, name + ".weight");
        var beta = W(p, name + ".bias");
        var centred = _row.AsSpan(0, d);
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * d, d);
            float mean = TensorPrimitives.Sum(xr) / d;
            TensorPrimitives.Subtract(xr, mean, centred);
            float rstd = 1f / MathF.Sqrt((TensorPrimitives.SumOfSquares<float>(centred) / d) + (float)_c.LayerNormEps);
            var yr = y.Slice(r * d, d);
            TensorPrimitives.Multiply(centred, rstd, yr);
            TensorPrimitives.Multiply(yr, gamma, yr);
            TensorPrimitives.Add(yr, beta, yr);
        }
    }

    private ReadOnlySpan<float> W(ReadOnlySpan<float> p, string name) => _p[name].Of(p);
}
