using System.CommandLine;
using BertGen.Explore;
using Spectre.Console;

namespace BertGen.Cli;

/// <summary>
/// <c>bertgen explore [RUN]</c>: what a run captured, one tensor as a labelled table (a heatmap for scores,
/// probabilities and logits), the same tensor at two epochs, or the prediction walk of one sample.
/// </summary>
internal static class ExploreCommand
{
    public static Command Create(Func<IAnsiConsole> console, TextWriter output)
    {
        var run = new Argument<string?>("run") { Description = "The run folder. Default: the newest run under runs/.", Arity = ArgumentArity.ZeroOrOne };
        var sample = new Option<int>("--sample") { Description = "The sample (0 is the first pair).", DefaultValueFactory = _ => 0 };
        var epoch = new Option<int?>("--epoch") { Description = "A captured epoch. Default: the last one captured." };
        var tensor = new Option<string?>("--tensor") { Description = "The tensor, by the article's name (embedding, q, attn, logits_lm, ...) or a parameter's Hugging Face name (add .grad for its gradient)." };
        var layer = new Option<int?>("--layer") { Description = "The encoder layer, for a layer's or a head's tensor." };
        var head = new Option<int?>("--head") { Description = "The attention head, for q_s, k_s, v_s, scores, attn or ctx." };
        var decimals = new Option<int>("--decimals") { Description = "Decimals shown.", DefaultValueFactory = _ => 2 };
        var compare = new Option<int[]>("--compare-epochs") { Description = "Show the tensor at two epochs side by side.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var walkthrough = new Option<bool>("--walkthrough") { Description = "Walk through one sample's predictions: softmax, top words, argmax; IsNext logits, max, Boolean." };
        var command = new Command("explore", "Look inside a run: captured epochs, samples and tensors, any tensor as a table, or a prediction walk-through.")
        {
            run, sample, epoch, tensor, layer, head, decimals, compare, walkthrough,
        };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(decimals) is < 0 or > 8)
            {
                throw new InputException($"--decimals is {parsed.GetValue(decimals)}; give 0 to 8.");
            }

            var explorer = new Explorer(RunArchive.Open(parsed.GetValue(run)));
            var epochs = explorer.Run.CapturedEpochs;
            int at = parsed.GetValue(epoch) ?? (epochs.Count > 0 ? epochs[^1] : throw new InputException("this run has no captures; train with --capture-epochs or --capture-every."));
            string? name = parsed.GetValue(tensor);
            int[]? pair = parsed.GetResult(compare) is { Implicit: false } ? parsed.GetValue(compare) : null;
            if (parsed.GetValue(walkthrough))
            {
                output.Write(Walkthrough.Create(explorer, parsed.GetValue(sample), at).ToText());
            }
            else if (name is null)
            {
                if (pair is not null)
                {
                    throw new InputException("--compare-epochs needs --tensor NAME.");
                }

                output.Write(Overview.Text(explorer));
            }
            else
            {
                TensorQuery Query(int e) => new(parsed.GetValue(sample), e, name, parsed.GetValue(layer), parsed.GetValue(head));
                if (pair is { Length: 2 })
                {
                    output.Write(TensorText.SideBySide(explorer.Tensor(Query(pair[0])), explorer.Tensor(Query(pair[1])), parsed.GetValue(decimals)));
                }
                else
                {
                    Show(explorer.Tensor(Query(at)), parsed.GetValue(decimals), console(), output);
                }
            }

            return 0;
        });
        return command;
    }

    /// <summary>The tensor as a table; a heatmap (light is high) where colours are available and the article draws one.</summary>
    private static void Show(TensorView view, int decimals, IAnsiConsole console, TextWriter output)
    {
        if (!view.Heatmap || console.Profile.Capabilities.ColorSystem == ColorSystem.NoColors)
        {
            output.Write(TensorText.Format(view, decimals));
            return;
        }

        var table = new Table().Border(TableBorder.None).Title(Markup.Escape(view.Title));
        table.AddColumn(new TableColumn(string.Empty).PadRight(1));
        foreach (var label in view.ColumnLabels)
        {
            table.AddColumn(new TableColumn(Markup.Escape(label)).RightAligned().Padding(1, 0));
        }

        for (int r = 0; r < view.Rows; r++)
        {
            var cells = new List<string> { Markup.Escape(view.RowLabels[r]) };
            for (int c = 0; c < view.Columns; c++)
            {
                double t = view.Intensity(r, c);
                var background = new Color((byte)(20 + (t * 235)), (byte)(30 + (t * 220)), (byte)(80 + (t * 120)));
                string foreground = t > 0.55 ? "black" : "white";
                cells.Add($"[{foreground} on {background.ToHex().ToLowerInvariant().Insert(0, "#")}]{TensorText.Number(view[r, c], decimals, view.Integers)}[/]");
            }

            table.AddRow(cells.ToArray());
        }

        console.Write(table);
    }
}
