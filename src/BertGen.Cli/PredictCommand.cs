using System.CommandLine;
using System.Globalization;
using BertGen.Explore;
using BertGen.Inference;
using BertGen.Runs;

namespace BertGen.Cli;

/// <summary><c>bertgen predict [RUN] FIRST SECOND</c>: the top words for each [MASK] and the probability of IsNext.</summary>
internal static class PredictCommand
{
    public static Command Create(ModelChoice models, Func<Rendering.Terminal> terminal)
    {
        var inputs = new Argument<string[]>("run-and-pair")
        {
            Description = "An optional run folder (default: the newest run), then the two sentences, with [MASK] for the words to predict.",
            Arity = new ArgumentArity(2, 3),
        };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A checkpoint file. Default: the run's newest." };
        var json = new Option<bool>("--json") { Description = "Print the same content as JSON." };
        var command = new Command("predict", "Ask a trained model to fill in [MASK] words and say whether the second sentence follows the first.") { inputs, checkpoint, json };
        command.SetAction(parsed =>
        {
            var output = terminal().Output;
            var args = parsed.GetValue(inputs)!;
            string? run = args.Length == 3 ? args[0] : null;
            var archive = RunArchive.Open(run);
            var predictor = Predictor.Load(archive, models.ForRun(archive.Config.Name), parsed.GetValue(checkpoint));
            var prediction = predictor.Predict(args[^2], args[^1]);
            if (parsed.GetValue(json))
            {
                output.Write(PredictionJson.Serialize(prediction, predictor.Vocabulary, predictor.Source));
                return 0;
            }

            output.WriteLine($"Checkpoint: {TrainCommand.Display(predictor.Source)}");
            output.WriteLine($"Input: {Data.MaskedInput.Plain(prediction.Input)}");
            foreach (var mask in prediction.Masks)
            {
                output.WriteLine();
                output.WriteLine($"[MASK] at position {mask.Position}:");
                int rank = 1;
                foreach (var (id, p, logit) in mask.Top)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rank++}. {predictor.Vocabulary[id],-12} {p:F4}  (logit {logit:F4})"));
                }
            }

            output.WriteLine();
            var n = prediction.IsNext;
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"IsNext probability: {n.Probability:F4} ({(n.Predicted ? "IsNext" : "NotNext")}); logits: NotNext {n.NotNextLogit:F4}, IsNext {n.IsNextLogit:F4}"));
            return 0;
        });
        return command;
    }
}
