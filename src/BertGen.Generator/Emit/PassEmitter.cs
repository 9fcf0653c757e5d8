using System.Collections.Generic;
using System.Linq;
using BertGen.Generator.Model;

namespace BertGen.Generator.Emit;

/// <summary>
/// The model's forward pass, loss and backward pass as call sequences: each method first names the views it works on
/// (a weight by its role, an activation by the article's name, a gradient as d and that name), then calls the runtime's
/// kernels on them in the order of the math. What depends on the configuration is here: which tensors exist, where they
/// are, and which shape each kernel is compiled for; the arithmetic itself is the runtime's.
/// </summary>
internal sealed class PassEmitter
{
    private readonly ModelSpec _s;
    private readonly LayoutPlan _param;
    private readonly LayoutPlan _act;

    public PassEmitter(ModelSpec spec, LayoutPlan parameters, LayoutPlan activations)
    {
        _s = spec;
        _param = parameters;
        _act = activations;
    }

    public void Emit(CodeWriter w)
    {
        EmitForward(w);
        w.Line();
        EmitEmbeddingsForward(w);
        w.Line();
        EmitLayerForward(w);
        w.Line();
        EmitHeadsForward(w);
        w.Line();
        EmitLoss(w);
        w.Line();
        EmitBackward(w);
        w.Line();
        EmitHeadsBackward(w);
        w.Line();
        EmitLayerBackward(w);
        w.Line();
        EmitEmbeddingsBackward(w);
    }

    private void EmitForward(CodeWriter w)
    {
        // The two forward passes make the same calls; they differ in a sample's layout's length and where each layer and the
        // output layer write.
        void Pass(string signature, string buffer, string length, string input, string at, string shift, bool keepScores)
        {
            w.OpenKernel(signature);
            w.Lines($$"""
                var p = parameters.Slice(0, Parameters.Length);
                var act = new ActivationArena<T>({{buffer}}, {{length}}, first, count);
                EmbeddingsForward(p, batch, first, act);
                for (int layer = 0; layer < Layers; layer++)
                {
                    var w = p.Slice(Param.LayerStart + (layer * Param.LayerSize), Param.LayerSize);
                    EncoderLayerForward(w, act, {{input}}, {{at}}, keepScores: {{(keepScores ? "true" : "false")}});
                }

                HeadsForward(p, batch, first, act, {{shift}});
                """);
            w.Close();
        }

        string embedOut = _s.EmbeddingLayerNorm ? "Act.EmbeddingNorm" : "Act.Embedding";
        w.Line("/// <inheritdoc/>");
        Pass(
            "public void ForwardSamples<T>(ReadOnlySpan<T> parameters, global::BertGen.Batch batch, int first, int count, Span<T> activations)",
            "activations", "_sampleLength", "LayerInput(layer)", "Act.LayerStart + (layer * Act.LayerSize)", "0", keepScores: true);
        w.Line();
        w.Line("/// <inheritdoc/>");
        Pass(
            "public void ForwardSamplesForTraining<T>(ReadOnlySpan<T> parameters, global::BertGen.Batch batch, int first, int count, Span<T> activations)",
            "activations", "_sampleLength", "LayerInput(layer)", "Act.LayerStart + (layer * Act.LayerSize)", "0", keepScores: false);
        w.Line();
        w.Lines($$"""
            /// <summary>Where layer <paramref name="layer"/> reads its input x: the embeddings, or the previous layer's enc_output.</summary>
            private static int LayerInput(int layer) => layer == 0 ? {{embedOut}} : Act.LayerStart + ((layer - 1) * Act.LayerSize) + Act.Layer.EncOutput;

            /// <inheritdoc/>
            /// <remarks>
            /// The training pass's calls on a smaller layout: every layer writes where layer 0 does, its input x being the
            /// enc_output it overwrites last (x's last use, the Add &amp; Norm after the attention, comes before); the output
            /// layer's activations sit OutputShift values before their place in the training layout. As in the training
            /// step's pass, the attention's scores are not written: nothing after the softmax reads them.
            /// </remarks>
            """);
        Pass(
            "public void InferSamples<T>(ReadOnlySpan<T> parameters, global::BertGen.Batch batch, int first, int count, Span<T> work)",
            "work", "_outputLength", $"layer == 0 ? {embedOut} : Act.LayerStart + Act.Layer.EncOutput", "Act.LayerStart", "OutputShift", keepScores: false);
    }

    private void EmitEmbeddingsForward(CodeWriter w)
    {
        bool norm = _s.EmbeddingLayerNorm;
        w.Lines(norm
            ? """
                /// <summary>
                /// The input embedding (the article's Figure 12): embedding = tok_embed + pos_embed + seg_embed, and attn_mask,
                /// 1 at each [PAD]; then embedding_norm = LayerNorm(embedding), the first layer's input.
                /// </summary>
                """
            : """
                /// <summary>
                /// The input embedding (the article's Figure 12): embedding = tok_embed + pos_embed + seg_embed, the first
                /// layer's input, and attn_mask, 1 at each [PAD].
                /// </summary>
                """);
        w.OpenKernel("private void EmbeddingsForward<T>(ReadOnlySpan<T> p, global::BertGen.Batch batch, int first, ActivationArena<T> act)");
        var views = new List<string>();
        Params(views, "p", _param.Head.Select(t => t.Constant).Concat(new[] { "WordEmbeddings" }).ToArray());
        views.Add("var inputIds = batch.InputIds.AsSpan(first * MaxLen, act.Count * MaxLen);");
        views.Add("var segmentIds = batch.SegmentIds.AsSpan(first * MaxLen, act.Count * MaxLen);");
        Views(views, "act", _act.Head.Select(t => t.Constant).ToArray());
        string body = """
            Embedding.Forward<T, ModelWidth>(
                wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings, inputIds, segmentIds, PadId, tokEmbed, posEmbed, segEmbed, embedding, attnMask);
            """;
        if (norm)
        {
            body += """

                LayerNorm.Forward<T, ModelWidth>(
                    embedding, embeddingsNormWeight, embeddingsNormBias, embeddingNorm, embeddingNormMean, embeddingNormRstd, LayerNormEps);
                """;
        }

        Body(w, views, body);
    }

    private void EmitLayerForward(CodeWriter w)
    {
        w.Lines("""
            /// <summary>
            /// One encoder layer (the article's Figure 15) for each sample of a range. w: the layer's weights; input: where its
            /// input x is in a sample's layout; at: where the layer's activations start in it; keepScores: whether the
            /// attention's scores, which only an explorer reads, are written.
            /// </summary>
            """);
        w.OpenKernel("private static void EncoderLayerForward<T>(ReadOnlySpan<T> w, ActivationArena<T> act, int input, int at, bool keepScores)");
        var views = new List<string>();
        LayerParams(views, "w", "");
        views.Add("var x = act.Rows(input, MaxLen, DModel);");
        views.Add("var attnMask = act.Rows(Act.AttnMask, 1, MaxLen);");
        LayerViews(views, "act", "");
        string body = """
            // q, k, v = x W^T + b for all heads at once: head h's q_s, k_s and v_s are its DK columns.
            Linear.Forward<T, QueryKeyValue>(x, queryWeight, queryBias, q);
            Linear.Forward<T, QueryKeyValue>(x, keyWeight, keyBias, k);
            Linear.Forward<T, QueryKeyValue>(x, valueWeight, valueBias, v);

            // Per head: scores = q_s k_s^T / sqrt(DK), masked at [PAD]; attn = softmax(scores); ctx = attn v_s, into context.
            Attention.Forward<T, AttentionShape>(q, k, v, attnMask, keepScores ? scores : default, attn, context);

            // mha = Add & Norm after the attention: LayerNorm(context W_o^T + b_o + x).
            Linear.Forward<T, AttentionOutput>(context, attnOutputWeight, attnOutputBias, attnOutput);
            LayerNorm.AddNormForward<T, ModelWidth>(attnOutput, x, attnNormWeight, attnNormBias, mha, mhaMean, mhaRstd, LayerNormEps);

            // The feed-forward network: ffn_gelu = GELU(mha W_1^T + b_1), keeping erf(ffn_hidden / sqrt 2) for the
            // backward pass; then its output projection.
            Linear.Forward<T, FeedForwardIn>(mha, intermediateWeight, intermediateBias, ffnHidden);
            Elementwise.GeluForward<T>(ffnHidden, ffnGelu, ffnErf);

            """;
        body += _s.FfnAddNorm
            ? """
                Linear.Forward<T, FeedForwardOut>(ffnGelu, outputWeight, outputBias, ffnOutput);

                // enc_output = Add & Norm after the feed-forward network: LayerNorm(ffn_output + mha).
                LayerNorm.AddNormForward<T, ModelWidth>(
                    ffnOutput, mha, outputNormWeight, outputNormBias, encOutput, encOutputMean, encOutputRstd, LayerNormEps);
                """
            : "Linear.Forward<T, FeedForwardOut>(ffnGelu, outputWeight, outputBias, encOutput);";
        Body(w, views, body);
    }

    private void EmitHeadsForward(CodeWriter w)
    {
        w.Lines("""
            /// <summary>
            /// The output layer's two heads for each sample of a range, on the last layer's enc_output x: IsNext from the [CLS]
            /// row, the masked words from the rows at the masked positions; each ends in the probabilities and the argmax.
            /// shift: where x and the heads' activations are against their place in the training layout (0 there).
            /// </summary>
            """);
        w.OpenKernel("private void HeadsForward<T>(ReadOnlySpan<T> p, global::BertGen.Batch batch, int first, ActivationArena<T> act, int shift)");
        var views = new List<string>();
        HeadParams(views, "p", "");
        views.Add("var maskedPositions = batch.MaskedPositions.AsSpan(first * MaxPred, act.Count * MaxPred);");
        views.Add("var x = act.Rows(shift + EncoderOutput, MaxLen, DModel);");
        HeadViews(views, "act", "", shift: "shift + ");
        Body(w, views, """
            // IsNext: h_cls = x[0]; h_pooled = tanh(h_cls W_p^T + b_p); logits_clsf = h_pooled W_c^T + b_c.
            Gather.Forward<T>(x, 0, hCls);
            Linear.Forward<T, Dense>(hCls, poolerWeight, poolerBias, hPooled);
            Elementwise.TanhForward<T>(hPooled);
            Linear.Forward<T, IsNextClassifier>(hPooled, seqRelationshipWeight, seqRelationshipBias, logitsClsf);
            Elementwise.SoftmaxRows<T>(logitsClsf, probsClsf);
            Elementwise.ArgmaxRows<T>(probsClsf, predClsf);

            // Masked words: h_masked = x[masked_positions]; mlm_norm = LayerNorm(GELU(h_masked W_t^T + b_t)); logits_lm =
            // mlm_norm E^T + b, the decoder sharing the token embedding E.
            Gather.Forward<T>(x, maskedPositions, hMasked);
            Linear.Forward<T, Dense>(hMasked, transformWeight, transformBias, mlmDense);
            Elementwise.GeluForward<T>(mlmDense, mlmGelu);
            LayerNorm.Forward<T, ModelWidth>(mlmGelu, transformNormWeight, transformNormBias, mlmNorm, mlmNormMean, mlmNormRstd, LayerNormEps);
            Linear.Forward<T>(mlmNorm, wordEmbeddings, decoderBias, logitsLm);
            Elementwise.SoftmaxRows<T>(logitsLm, probsLm);
            Elementwise.ArgmaxRows<T>(probsLm, predLm);
            """);
    }

    private void EmitLoss(CodeWriter w)
    {
        w.Lines("""
            /// <inheritdoc/>
            /// <remarks>
            /// The MLM loss is the mean over the batch's real masked slots (a slot whose token is [PAD] is padding); the NSP
            /// loss is the mean over the samples.
            /// </remarks>
            """);
        w.OpenKernel("public global::BertGen.ForwardResult Loss<T>(global::BertGen.Batch batch, Span<T> activations)");
        w.Lines("""
            var act = new ActivationArena<T>(activations, _sampleLength, 0, batch.Count);
            var maskedTokens = batch.MaskedTokens.AsSpan(0, batch.Count * MaxPred);
            var isNext = batch.IsNext.AsSpan(0, batch.Count);
            var mlm = CrossEntropy.Sum<T>(act.Rows(Act.LogitsLm, MaxPred, _vocabSize), act.Rows(Act.PredLm, 1, MaxPred), maskedTokens, ignore: PadId);
            var nsp = CrossEntropy.Sum<T>(act.Rows(Act.LogitsClsf, 1, 2), act.Rows(Act.PredClsf, 1, 1), isNext, ignore: -1);
            return new global::BertGen.ForwardResult(mlm.Mean, nsp.Mean, mlm.Correct, mlm.Count, nsp.Correct, nsp.Count);
            """);
        w.Close();
    }

    private void EmitBackward(CodeWriter w)
    {
        w.Line("/// <inheritdoc/>");
        w.OpenKernel(
            "public void BackwardSamples<T>(\n"
            + "    ReadOnlySpan<T> parameters, global::BertGen.Batch batch, int first, int count,\n"
            + "    ReadOnlySpan<T> activations, Span<T> gradients, Span<T> scratch)");
        w.Lines("""
            var p = parameters.Slice(0, Parameters.Length);
            var g = gradients.Slice(0, Parameters.Length);
            var act = new ReadOnlyActivationArena<T>(activations, _sampleLength, first, count);
            var d = new ActivationArena<T>(scratch, _sampleLength, first, count);
            HeadsBackward(p, g, batch, first, act, d);
            for (int layer = Layers - 1; layer >= 0; layer--)
            {
                var w = p.Slice(Param.LayerStart + (layer * Param.LayerSize), Param.LayerSize);
                var gw = g.Slice(Param.LayerStart + (layer * Param.LayerSize), Param.LayerSize);
                EncoderLayerBackward(w, gw, act, d, LayerInput(layer), Act.LayerStart + (layer * Act.LayerSize));
            }

            EmbeddingsBackward(p, g, batch, first, act, d);
            """);
        w.Close();
    }

    private void EmitHeadsBackward(CodeWriter w)
    {
        w.Lines("""
            /// <summary>
            /// Backward of <see cref="HeadsForward"/>, from the loss: the heads' weight gradients added to g (the decoder's onto
            /// the token embedding's), and the gradient of the last layer's enc_output, which both heads add to, written in d.
            /// </summary>
            """);
        w.OpenKernel(
            "private void HeadsBackward<T>(\n"
            + "    ReadOnlySpan<T> p, Span<T> g, global::BertGen.Batch batch, int first, ReadOnlyActivationArena<T> act, ActivationArena<T> d)");
        var views = new List<string>();
        HeadParams(views, "p", "");
        HeadParams(views, "g", "Grad");
        views.Add("var maskedPositions = batch.MaskedPositions.AsSpan(first * MaxPred, act.Count * MaxPred);");
        views.Add("var maskedTokens = batch.MaskedTokens.AsSpan(first * MaxPred, act.Count * MaxPred);");
        views.Add("var isNext = batch.IsNext.AsSpan(first, act.Count);");
        HeadViews(views, "act", "");
        HeadViews(views, "d", "d");
        views.Add("var dX = d.Rows(EncoderOutput, MaxLen, DModel);");
        Body(w, views, """
            // The loss's gradients with respect to the logits: (probs - onehot(target)) / count.
            T mlmScale = batch.MaskedCount == 0 ? T.Zero : T.One / T.CreateTruncating(batch.MaskedCount);
            CrossEntropy.Backward<T>(probsLm, maskedTokens, PadId, mlmScale, dLogitsLm);
            CrossEntropy.Backward<T>(probsClsf, isNext, -1, T.One / T.CreateTruncating(batch.Count), dLogitsClsf);

            // Masked words, from the decoder back to h_masked.
            Linear.Backward<T>(
                wordEmbeddings, mlmNorm, dLogitsLm, dMlmNorm, wordEmbeddingsGrad, decoderBiasGrad, accumulateDx: false, DecoderGradients);
            LayerNorm.Backward<T, ModelWidth>(
                dMlmNorm, mlmGelu, mlmNormMean, mlmNormRstd, transformNormWeight, dMlmGelu, transformNormWeightGrad, transformNormBiasGrad);
            Elementwise.GeluBackward<T>(dMlmGelu, mlmDense, dMlmDense);
            Linear.Backward<T, Dense>(
                transformWeight, hMasked, dMlmDense, dHMasked, transformWeightGrad, transformBiasGrad, accumulateDx: false, WeightGradients);

            // IsNext, from the classifier back to h_cls.
            Linear.Backward<T, IsNextClassifier>(
                seqRelationshipWeight, hPooled, dLogitsClsf, dHPooled, seqRelationshipWeightGrad, seqRelationshipBiasGrad,
                accumulateDx: false, WeightGradients);
            Elementwise.TanhBackward<T>(dHPooled, hPooled);
            Linear.Backward<T, Dense>(poolerWeight, hCls, dHPooled, dHCls, poolerWeightGrad, poolerBiasGrad, accumulateDx: false, WeightGradients);

            // enc_output's gradient: the rows both heads read.
            dX.Clear();
            Gather.Backward<T, ModelWidth>(dHMasked, maskedPositions, dX);
            Gather.Backward<T, ModelWidth>(dHCls, 0, dX);
            """);
    }

    private void EmitLayerBackward(CodeWriter w)
    {
        bool ffnNorm = _s.FfnAddNorm;
        w.Lines("""
            /// <summary>
            /// Backward of <see cref="EncoderLayerForward"/> for each sample of a range: from enc_output's gradient in d, the
            /// layer's weight gradients added to gw, and the gradient of its input x written at input.
            /// </summary>
            """);
        w.OpenKernel(
            "private static void EncoderLayerBackward<T>(\n"
            + "    ReadOnlySpan<T> w, Span<T> gw, ReadOnlyActivationArena<T> act, ActivationArena<T> d, int input, int at)");
        var views = new List<string>();
        LayerParams(views, "w", "");
        LayerParams(views, "gw", "Grad");
        views.Add("var x = act.Rows(input, MaxLen, DModel);");
        LayerViews(views, "act", "");
        views.Add("var dX = d.Rows(input, MaxLen, DModel);");
        LayerViews(views, "d", "d");
        string body = ffnNorm
            ? """
                // The feed-forward network, from enc_output back to mha (through its Add & Norm, which also reaches mha directly).
                LayerNorm.AddNormBackward<T, ModelWidth>(
                    dEncOutput, ffnOutput, mha, encOutputMean, encOutputRstd, outputNormWeight, dFfnOutput, dMha, outputNormWeightGrad, outputNormBiasGrad);
                Linear.Backward<T, FeedForwardOut>(
                    outputWeight, ffnGelu, dFfnOutput, dFfnGelu, outputWeightGrad, outputBiasGrad, accumulateDx: false, WeightGradients);

                """
            : """
                // The feed-forward network, from enc_output back to mha.
                Linear.Backward<T, FeedForwardOut>(
                    outputWeight, ffnGelu, dEncOutput, dFfnGelu, outputWeightGrad, outputBiasGrad, accumulateDx: false, WeightGradients);

                """;
        body += $$"""
            Elementwise.GeluBackward<T>(dFfnGelu, ffnHidden, ffnErf, dFfnHidden);
            Linear.Backward<T, FeedForwardIn>(
                intermediateWeight, mha, dFfnHidden, dMha, intermediateWeightGrad, intermediateBiasGrad, accumulateDx: {{(ffnNorm ? "true" : "false")}}, WeightGradients);

            // The attention, from mha back to x (through its Add & Norm, which also reaches x directly).
            LayerNorm.AddNormBackward<T, ModelWidth>(
                dMha, attnOutput, x, mhaMean, mhaRstd, attnNormWeight, dAttnOutput, dX, attnNormWeightGrad, attnNormBiasGrad);
            Linear.Backward<T, AttentionOutput>(
                attnOutputWeight, context, dAttnOutput, dContext, attnOutputWeightGrad, attnOutputBiasGrad, accumulateDx: false, WeightGradients);
            Attention.Backward<T, AttentionShape>(dContext, q, k, v, attn, dAttn, dScores, dQ, dK, dV);
            // q, k and v read the same x: its rows packed once for their three weight gradients.
            var packedX = Linear.PackInput<T, QueryKeyValue>(x, WeightGradients);
            Linear.Backward<T, QueryKeyValue>(queryWeight, x, dQ, dX, queryWeightGrad, queryBiasGrad, accumulateDx: true, WeightGradients, packedX);
            Linear.Backward<T, QueryKeyValue>(keyWeight, x, dK, dX, keyWeightGrad, keyBiasGrad, accumulateDx: true, WeightGradients, packedX);
            Linear.Backward<T, QueryKeyValue>(valueWeight, x, dV, dX, valueWeightGrad, valueBiasGrad, accumulateDx: true, WeightGradients, packedX);
            """;
        Body(w, views, body);
    }

    private void EmitEmbeddingsBackward(CodeWriter w)
    {
        bool norm = _s.EmbeddingLayerNorm;
        w.Line("/// <summary>Backward of <see cref=\"EmbeddingsForward\"/>: from the first layer's input gradient, the embedding tables' gradients.</summary>");
        w.OpenKernel(
            "private void EmbeddingsBackward<T>(\n"
            + "    ReadOnlySpan<T> p, Span<T> g, global::BertGen.Batch batch, int first, ReadOnlyActivationArena<T> act, ActivationArena<T> d)");
        var views = new List<string>();
        Params(views, "p", _param.Head.Select(t => t.Constant).ToArray());
        Params(views, "g", _param.Head.Select(t => t.Constant).Concat(new[] { "WordEmbeddings" }).ToArray());
        views.Add("var inputIds = batch.InputIds.AsSpan(first * MaxLen, act.Count * MaxLen);");
        views.Add("var segmentIds = batch.SegmentIds.AsSpan(first * MaxLen, act.Count * MaxLen);");
        Views(views, "act", _act.Head.Select(t => t.Constant).ToArray());
        Views(views, "d", _act.Head.Select(t => t.Constant).ToArray());
        string body = norm
            ? """
                LayerNorm.Backward<T, ModelWidth>(
                    dEmbeddingNorm, embedding, embeddingNormMean, embeddingNormRstd, embeddingsNormWeight, dEmbedding,
                    embeddingsNormWeightGrad, embeddingsNormBiasGrad);

                """
            : "";
        body += "Embedding.Backward<T, ModelWidth>(dEmbedding, inputIds, segmentIds, wordEmbeddingsGrad, positionEmbeddingsGrad, tokenTypeEmbeddingsGrad);";
        Body(w, views, body);
    }

    /// <summary>
    /// The declarations a method body uses (in the order given, the others left out), a blank line, the body, and the
    /// method's closing brace.
    /// </summary>
    private static void Body(CodeWriter w, List<string> declarations, string body)
    {
        foreach (var declaration in declarations)
        {
            string name = declaration.Substring(4, declaration.IndexOf(' ', 4) - 4);
            if (System.Text.RegularExpressions.Regex.IsMatch(body, $@"\b{name}\b"))
            {
                w.Line(declaration);
            }
        }

        w.Line();
        w.Lines(body.TrimEnd('\n'));
        w.Close();
    }

    /// <summary>The weights (or their gradients) of one encoder layer, by role.</summary>
    private void LayerParams(List<string> into, string buffer, string suffix)
    {
        foreach (var slot in _param.Layer)
        {
            into.Add($"var {Camel(slot.Constant)}{suffix} = {buffer}.Slice(Param.Layer.{slot.Constant}, {slot.LengthExpression});");
        }
    }

    /// <summary>The heads' weights (or their gradients), with the token embedding the decoder shares and the decoder's bias.</summary>
    private void HeadParams(List<string> into, string buffer, string suffix)
    {
        Params(into, buffer, suffix, _param.Tail.Select(t => t.Constant).Concat(new[] { "WordEmbeddings", "DecoderBias" }).ToArray());
    }

    private void Params(List<string> into, string buffer, params string[] constants) => Params(into, buffer, buffer == "g" ? "Grad" : "", constants);

    private void Params(List<string> into, string buffer, string suffix, string[] constants)
    {
        foreach (var constant in constants)
        {
            var slot = Find(_param, constant);
            string offset = constant == "DecoderBias" ? "Param.FixedLength + (_vocabSize * DModel)" : "Param." + constant;
            into.Add($"var {Camel(constant)}{suffix} = {buffer}.Slice({offset}, {slot.LengthExpression});");
        }
    }

    /// <summary>Every activation (or gradient, with <paramref name="prefix"/> d) of one encoder layer.</summary>
    private void LayerViews(List<string> into, string arena, string prefix)
    {
        foreach (var slot in _act.Layer)
        {
            into.Add($"var {Name(prefix, slot.Constant)} = {arena}.Rows(at + Act.Layer.{slot.Constant}, {RowsAndWidth(slot)});");
        }
    }

    /// <summary>The heads' activations (or gradients): every tensor after the encoder layers.</summary>
    private void HeadViews(List<string> into, string arena, string prefix, string shift = "")
    {
        Views(into, arena, prefix, _act.Tail.Concat(_act.Vocab).Select(t => t.Constant).ToArray(), shift);
    }

    private void Views(List<string> into, string arena, params string[] constants) => Views(into, arena, arena == "d" ? "d" : "", constants);

    private void Views(List<string> into, string arena, string prefix, string[] constants, string shift = "")
    {
        foreach (var constant in constants)
        {
            var slot = Find(_act, constant);
            string offset = shift + (constant == "ProbsLm" ? "_probsLm" : "Act." + constant);
            into.Add($"var {Name(prefix, constant)} = {arena}.Rows({offset}, {RowsAndWidth(slot)});");
        }
    }

    /// <summary>A view's rows and width per sample: [n] is one row of n; [r, c] r rows of c; [h, r, c] h * r rows of c.</summary>
    private static string RowsAndWidth(LayoutPlan.Slot slot)
    {
        var shape = slot.Shape.Select(d => d == "V" ? "_vocabSize" : d).ToList();
        return shape.Count switch
        {
            1 => "1, " + shape[0],
            2 => shape[0] + ", " + shape[1],
            _ => string.Join(" * ", shape.Take(shape.Count - 1)) + ", " + shape[shape.Count - 1],
        };
    }

    private static LayoutPlan.Slot Find(LayoutPlan plan, string constant) =>
        plan.Head.Concat(plan.Layer).Concat(plan.Tail).Concat(plan.Vocab).FirstOrDefault(x => x.Constant == constant)
        ?? throw new System.InvalidOperationException($"No slot {constant} in {plan.Kind}.");

    /// <summary>A view's variable: the constant in camel case (q, attnOutput, mlmNormMean), or d and the constant (dQ, dAttnOutput).</summary>
    private static string Name(string prefix, string constant) => prefix.Length == 0 ? Camel(constant) : prefix + constant;

    private static string Camel(string constant) => char.ToLowerInvariant(constant[0]) + constant.Substring(1);
}
