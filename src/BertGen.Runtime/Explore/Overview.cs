using System.Globalization;
using System.Text;
using BertGen.Formatting;

namespace BertGen.Explore;

/// <summary>What a run holds: its model, its captured epochs, its samples, and the tensors one can look at.</summary>
public static class Overview
{
    /// <summary>The run's model, captured epochs, samples and the tensors one can look at, as text.</summary>
    public static string Text(Explorer explorer)
    {
        var run = explorer.Run;
        var c = run.Config;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"Run {run.Name}: {c.Name}, {c.Layers} layers, {c.Heads} heads of {c.DK}, dModel {c.DModel}, dFF {c.DFF}, maxLen {c.MaxLen}, vocabulary {c.VocabSize}\n");
        text.Append(run.CapturedEpochs.Count == 0
            ? "Captured epochs: none\n"
            : $"Captured epochs: {string.Join(", ", run.CapturedEpochs)}\n");
        text.Append("\nSamples (masked input, IsNext):\n");
        var samples = new TextTable("sample", "masked input", "IsNext");
        for (int s = 0; s < run.Samples.Count; s++)
        {
            samples.Add(s.ToString(CultureInfo.InvariantCulture), run.Samples[s].MaskedText, run.Samples[s].IsNext ? "True" : "False");
        }

        text.Append(samples);
        if (run.CapturedEpochs.Count == 0)
        {
            return text.ToString();
        }

        var catalog = explorer.Catalog(run.CapturedEpochs[0]);
        foreach (var (scope, heading) in new[]
        {
            (TensorScope.Sample, "Tensors of a sample (--tensor NAME):"),
            (TensorScope.Layer, "Tensors of a layer (--layer L):"),
            (TensorScope.Head, "Tensors of a head (--layer L --head H):"),
            (TensorScope.Parameter, "Parameters (add .grad for the gradient):"),
        })
        {
            text.Append('\n').Append(heading).Append('\n');
            var table = new TextTable("name", "shape");
            foreach (var entry in catalog.Where(e => e.Scope == scope))
            {
                table.Add(entry.Name, entry.ShapeText);
            }

            text.Append(table);
        }

        return text.ToString();
    }
}
