namespace BertGen.Generator.Emit;

/// <summary>Softmax cross-entropy of both heads over a batch, and its gradient with respect to the logits.</summary>
internal static class LossEmitter
{
    public static void Emit(CodeWriter w)
    {
        w.Lines("""
            /// <inheritdoc/>
            /// <remarks>
            /// Writes probs_lm, pred_lm, probs_clsf and pred_clsf of every sample. The MLM loss is the mean over the
            /// batch's real masked slots (a slot whose token is [PAD] is padding); the NSP loss is the mean over samples.
            /// </remarks>
            """);
        w.OpenKernel("public global::BertGen.ForwardResult Loss<T>(global::BertGen.Batch batch, Span<T> arena)");
        w.Lines("""
            double mlmLoss = 0, nspLoss = 0;
            int mlmCorrect = 0, nspCorrect = 0;
            for (int sample = 0; sample < batch.Count; sample++)
            {
                var a = arena.Slice(sample * _sampleLength, _sampleLength);
                var logitsLm = a.Slice(Act.LogitsLm, MaxPred * _vocabSize);
                var probsLm = a.Slice(_probsLm, MaxPred * _vocabSize);
                for (int p = 0; p < MaxPred; p++)
                {
                    var logits = logitsLm.Slice(p * _vocabSize, _vocabSize);
                    var probs = probsLm.Slice(p * _vocabSize, _vocabSize);
                    T logSumExp = Elementwise.Softmax<T>(logits, probs);
                    int predicted = global::System.Numerics.Tensors.TensorPrimitives.IndexOfMax<T>(probs);
                    a[Act.PredLm + p] = T.CreateTruncating(predicted);
                    int target = batch.MaskedTokens[(sample * MaxPred) + p];
                    if (target != global::BertGen.Data.Vocabulary.Pad)
                    {
                        mlmLoss += double.CreateTruncating(logSumExp - logits[target]);
                        mlmCorrect += predicted == target ? 1 : 0;
                    }
                }

                var logitsClsf = a.Slice(Act.LogitsClsf, 2);
                var probsClsf = a.Slice(Act.ProbsClsf, 2);
                T nspLogSumExp = Elementwise.Softmax<T>(logitsClsf, probsClsf);
                int label = batch.IsNext[sample];
                int guess = probsClsf[1] > probsClsf[0] ? 1 : 0;
                a[Act.PredClsf] = T.CreateTruncating(guess);
                nspLoss += double.CreateTruncating(nspLogSumExp - logitsClsf[label]);
                nspCorrect += guess == label ? 1 : 0;
            }

            return new global::BertGen.ForwardResult(
                batch.MaskedCount == 0 ? 0 : mlmLoss / batch.MaskedCount,
                nspLoss / batch.Count,
                mlmCorrect,
                batch.MaskedCount,
                nspCorrect,
                batch.Count);
            """);
        w.Close();
        w.Line();
        w.Lines("""
            /// <summary>
            /// Gradients of the loss with respect to one sample's logits, into its scratch block:
            /// (probs - onehot) / count, zero for a padded masked slot.
            /// </summary>
            """);
        w.OpenKernel("private void LossBackward<T>(global::BertGen.Batch batch, int sample, ReadOnlySpan<T> a, Span<T> d)");
        w.Lines("""
            T mlmScale = batch.MaskedCount == 0 ? T.Zero : T.One / T.CreateTruncating(batch.MaskedCount);
            for (int p = 0; p < MaxPred; p++)
            {
                int target = batch.MaskedTokens[(sample * MaxPred) + p];
                var dLogits = d.Slice(Act.LogitsLm + (p * _vocabSize), _vocabSize);
                if (target == global::BertGen.Data.Vocabulary.Pad)
                {
                    dLogits.Clear();
                    continue;
                }

                global::System.Numerics.Tensors.TensorPrimitives.Multiply(a.Slice(_probsLm + (p * _vocabSize), _vocabSize), mlmScale, dLogits);
                dLogits[target] -= mlmScale;
            }

            T nspScale = T.One / T.CreateTruncating(batch.Count);
            var dClsf = d.Slice(Act.LogitsClsf, 2);
            global::System.Numerics.Tensors.TensorPrimitives.Multiply(a.Slice(Act.ProbsClsf, 2), nspScale, dClsf);
            dClsf[batch.IsNext[sample]] -= nspScale;
            """);
        w.Close();
    }
}
