using System.Globalization;
using BertGen.Data;

namespace BertGen.Explore;

/// <summary>What a run holds: its model, its captured epochs, its samples, and the tensors one can look at.</summary>
public static class Overview
{
    /// <summary>The run's model, captured epochs, samples and the tensors one can look at.</summary>
    public static Document Create(Explorer explorer)
    {
        var run = explorer.Run;
        var c = run.Config;
        var blocks = new List<Block>
        {
            new TextBlock($"{c.Name}: {c.Layers} layers, {c.Heads} heads of {c.DK}, dModel {c.DModel}, dFF {c.DFF}, maxLen {c.MaxLen}, vocabulary {c.VocabSize}"),
            new TextBlock(run.CapturedEpochs.Count == 0 ? "Captured epochs: none" : $"Captured epochs: {string.Join(", ", run.CapturedEpochs)}"),
        };
        blocks.AddRange(Figures.WithLegend(new TableBlock(
            ["sample", "masked input", "IsNext"],
            run.Samples.Select((s, i) => (IReadOnlyList<Cell>)[i.ToString(CultureInfo.InvariantCulture), new Cell(MaskedInput.Of(s, run.Vocabulary).Where(t => t.Mark != TokenMark.Padding).ToList()), s.IsNext ? "True" : "False"]).ToList(),
            Title: "Samples (masked input, IsNext):")));
        if (run.CapturedEpochs.Count > 0)
        {
            var catalog = explorer.Catalog(run.CapturedEpochs[0]);
            foreach (var (scope, heading) in new[]
            {
                (TensorScope.Sample, "Tensors of a sample:"),
                (TensorScope.Layer, "Tensors of a layer (give the layer):"),
                (TensorScope.Head, "Tensors of a head (give the layer and the head):"),
                (TensorScope.Parameter, "Parameters (add .grad for the gradient):"),
            })
            {
                blocks.Add(new TableBlock(
                    ["name", "shape"],
                    catalog.Where(e => e.Scope == scope).Select(e => (IReadOnlyList<Cell>)[e.Name, e.ShapeText]).ToList(),
                    Title: heading,
                    Flow: scope != TensorScope.Parameter));
            }
        }

        return new Document($"Run {run.Name}", blocks);
    }
}
