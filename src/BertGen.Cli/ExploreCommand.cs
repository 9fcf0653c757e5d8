using System.CommandLine;
using System.Globalization;
using BertGen.Cli.Rendering;
using BertGen.Explore;
using BertGen.Inference;
using BertGen.Runs;

namespace BertGen.Cli;

/// <summary>
/// <c>bertgen explore [RUN]</c>: what a run captured; one tensor as a labelled table that fits the terminal (a heatmap
/// for scores, probabilities and logits); the same tensor at two epochs; the prediction walk of one sample; any of
/// the article's Figures 4 to 17; or the tensors of a new sentence pair run through a saved checkpoint.
/// </summary>
internal static class ExploreCommand
{
    public static Command Create(ModelChoice models, Func<Terminal> terminal)
    {
        var run = new Argument<string?>("run") { Description = "The run folder. Default: the newest run under runs/.", Arity = ArgumentArity.ZeroOrOne };
        var sample = OptionParsers.OptionalInt("--sample", "The sample (0 is the first pair). Default: 0 (1 for Figures 12 to 14)", int.MinValue, int.MaxValue, "0");
        var epoch = OptionParsers.OptionalInt("--epoch", "A captured epoch (with --input: a saved one; the nearest is taken). Default: the last captured", int.MinValue, int.MaxValue, "5000");
        var tensor = new Option<string?>("--tensor") { Description = "The tensor, by the article's name (embedding, q, attn, logits_lm, input_ids, ...) or a parameter's Hugging Face name (add .grad for its gradient)." };
        var layer = OptionParsers.OptionalInt("--layer", "The encoder layer, for a layer's or a head's tensor", int.MinValue, int.MaxValue, "0");
        var head = OptionParsers.OptionalInt("--head", "The attention head, for q_s, k_s, v_s, scores, attn or ctx", int.MinValue, int.MaxValue, "2");
        var decimals = OptionParsers.Int("--decimals", "Decimals shown, after the view's shared scale (x 1e-3, ...)", 2, 0, 8);
        var compare = new Option<int[]>("--compare-epochs") { Description = "Show the tensor at two epochs, side by side when they fit, else one above the other.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var walkthrough = new Option<bool>("--walkthrough") { Description = "Walk through one sample's predictions: softmax, top words, argmax; IsNext logits, max, Boolean (Figure 16)." };
        var figure = OptionParsers.OptionalInt("--figure", "Show the article's Figure N (4 to 17); alone, list the figures", int.MinValue, int.MaxValue, "17");
        figure.Arity = ArgumentArity.ZeroOrOne;
        var top = OptionParsers.OptionalInt("--top", "Show each row's K largest values with their labels (for logits over the vocabulary)", 1, 100_000, "5");
        var input = new Option<string[]>("--input") { Description = "Run a new pair through a saved checkpoint ([MASK] allowed) and show its tensors.", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the same content as JSON." };
        var command = new Command("explore", "Look inside a run: captured epochs, samples and tensors, any tensor as a table, the article's figures, a prediction walk-through, or a new pair.")
        {
            run, sample, epoch, tensor, layer, head, decimals, compare, walkthrough, figure, top, input, json,
        };
        command.SetAction(parsed =>
        {
            int digits = parsed.GetValue(decimals);

            var archive = RunArchive.Open(parsed.GetValue(run));
            string? name = parsed.GetValue(tensor);
            var output = terminal();
            int? pickedEpoch = parsed.GetValue(epoch);
            if (Given(parsed, input))
            {
                var pair = parsed.GetValue(input)!;
                var (record, note) = RecordInput(archive, models, pair[0], pair[1], pickedEpoch);
                var explorer = new Explorer(record);
                if (!parsed.GetValue(json))
                {
                    output.Output.WriteLine(note);
                }

                Show(explorer, name, parsed.GetValue(sample) ?? 0, record.CapturedEpochs[0], parsed, layer, head, top, json, digits, output);
                return 0;
            }

            var runExplorer = new Explorer(archive);
            CheckGiven(runExplorer, parsed.GetValue(sample), pickedEpoch, parsed.GetValue(layer), parsed.GetValue(head));
            if (Given(parsed, figure))
            {
                var document = parsed.GetValue(figure) is { } number
                    ? Figures.Create(number, runExplorer, new FigureOptions(parsed.GetValue(sample), pickedEpoch, Given(parsed, decimals) ? digits : 4))
                    : Figures.List();
                Write(document, json: parsed.GetValue(json), digits, output);
                return 0;
            }

            var epochs = archive.CapturedEpochs;
            int at = pickedEpoch ?? (epochs.Count > 0 ? epochs[^1] : throw Captures.CaptureFile.NoCaptures(archive.Name));
            int[]? pairOfEpochs = Given(parsed, compare) ? parsed.GetValue(compare) : null;
            if (parsed.GetValue(walkthrough))
            {
                var walk = Walkthrough.Create(runExplorer, parsed.GetValue(sample) ?? 0, at);
                Write(new Document($"Sample {walk.Sample} at epoch {walk.Epoch}: the prediction walk-through", walk.ToBlocks()), parsed.GetValue(json), digits, output);
            }
            else if (name is null)
            {
                if (pairOfEpochs is not null)
                {
                    throw new InputException("--compare-epochs needs --tensor NAME.");
                }

                Write(Overview.Create(runExplorer), parsed.GetValue(json), digits, output);
            }
            else if (pairOfEpochs is { Length: 2 })
            {
                TensorView View(int e) => runExplorer.Tensor(Query(parsed, sample, layer, head, name, e));
                var (before, after) = (View(pairOfEpochs[0]), View(pairOfEpochs[1]));
                if (parsed.GetValue(json))
                {
                    output.Output.Write(DocumentJson.Serialize(new Document($"{name} at epochs {pairOfEpochs[0]} and {pairOfEpochs[1]}", [new TensorBlock(before), new TensorBlock(after)])));
                }
                else
                {
                    var renderer = output.Renderer(digits);
                    output.Write(renderer.SideBySide(Lines(renderer, before, parsed.GetValue(top)), Lines(renderer, after, parsed.GetValue(top))));
                }
            }
            else
            {
                Show(runExplorer, name, parsed.GetValue(sample) ?? 0, at, parsed, layer, head, top, json, digits, output);
            }

            return 0;
        });
        return command;
    }

    /// <summary>One tensor (or, without a name, the tensors there are) of the explorer's run.</summary>
    private static void Show(
        Explorer explorer, string? name, int sample, int epoch, ParseResult parsed, Option<int?> layer, Option<int?> head, Option<int?> top, Option<bool> json, int digits, Terminal output)
    {
        if (name is null)
        {
            Write(Overview.Create(explorer), parsed.GetValue(json), digits, output);
            return;
        }

        var view = explorer.Tensor(new TensorQuery(sample, epoch, name, parsed.GetValue(layer), parsed.GetValue(head)));
        if (parsed.GetValue(json))
        {
            output.Output.Write(DocumentJson.Serialize(view));
            return;
        }

        output.Write(Lines(output.Renderer(digits), view, parsed.GetValue(top)));
    }

    private static List<StyledLine> Lines(TextRenderer renderer, TensorView view, int? top) =>
        top is { } k ? renderer.TopK(view, k) : renderer.Tensor(view);

    private static void Write(Document document, bool json, int digits, Terminal output)
    {
        if (json)
        {
            output.Output.Write(DocumentJson.Serialize(document));
        }
        else
        {
            output.Write(document, digits);
        }
    }

    /// <summary>The pair run through the checkpoint saved nearest to <paramref name="epoch"/> (the newest when none is given).</summary>
    private static (Captures.CaptureStore Record, string Note) RecordInput(RunArchive archive, ModelChoice models, string first, string second, int? epoch)
    {
        var saved = archive.Folder.CheckpointEpochs();
        if (saved.Count == 0)
        {
            throw new InputException($"'{archive.Folder.Path}' has no checkpoint to run a new pair through.");
        }

        int nearest = epoch is { } e ? saved.MinBy(s => (Math.Abs(s - e), s)) : saved[^1];
        var predictor = Predictor.Load(archive, models.ForRun(archive.Config.Name), archive.Folder.CheckpointFile(nearest));
        string note = epoch is { } asked && asked != nearest
            ? $"Epoch {asked} has no checkpoint; the nearest saved is epoch {nearest} ({TrainCommand.Display(predictor.Source)})."
            : $"The weights of epoch {nearest} ({TrainCommand.Display(predictor.Source)}).";
        return (predictor.Record(first, second, nearest), note);
    }

    /// <summary>A sample, epoch, layer or head that was given must exist, whatever is shown.</summary>
    private static void CheckGiven(Explorer explorer, int? sample, int? epoch, int? layer, int? head)
    {
        var run = explorer.Run;
        var c = run.Config;
        if (sample is { } s && (s < 0 || s >= run.Samples.Count))
        {
            throw new InputException($"there is no sample {s}; samples are 0 to {run.Samples.Count - 1}.");
        }

        if (epoch is { } e && !run.CapturedEpochs.Contains(e))
        {
            throw Captures.CaptureFile.NotCaptured(e, run.CapturedEpochs);
        }

        if (layer is { } l && (l < 0 || l >= c.Layers))
        {
            throw new InputException($"there is no layer {l}; layers are 0 to {c.Layers - 1}.");
        }

        if (head is { } h && (h < 0 || h >= c.Heads))
        {
            throw new InputException($"there is no head {h}; heads are 0 to {c.Heads - 1}.");
        }
    }

    private static TensorQuery Query(ParseResult parsed, Option<int?> sample, Option<int?> layer, Option<int?> head, string name, int epoch) =>
        new(parsed.GetValue(sample) ?? 0, epoch, name, parsed.GetValue(layer), parsed.GetValue(head));

    private static bool Given(ParseResult parsed, Option option) => parsed.GetResult(option) is { Implicit: false };
}
