using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Runs;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;
using BertGen.Training;

namespace BertGen.Tests.Training;

public sealed class ResumeTests
{
    [Fact]
    public void Training_2500_epochs_then_resuming_to_5000_equals_one_run_of_5000_byte_for_byte()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["whole"], "--capture-epochs", "0").Code);
        Assert.Equal(0, CliTests.Run("train", "--out", temp["halves"], "--epochs", "2500", "--capture-epochs", "0").Code);
        var (code, output, _) = CliTests.Run("train", "--resume", temp["halves"], "--epochs", "5000");

        Assert.Equal(0, code);
        Assert.Contains("from epoch 2500 to 5000", output);
        foreach (var file in new[] { "metrics.csv", "checkpoints/epoch-005000.safetensors", "checkpoints/epoch-005000.optimizer.safetensors" })
        {
            Assert.True(File.ReadAllBytes(Path.Combine(temp["whole"], file)).SequenceEqual(File.ReadAllBytes(Path.Combine(temp["halves"], file))), $"{file} differs");
        }
    }

    [Fact]
    public void Resuming_with_dynamic_masking_continues_the_same_masks()
    {
        using var temp = new TempFolder();
        var whole = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 60, DynamicMasking = true, CaptureEpochs = [] }, temp["whole"], TrainingRun.DefaultCorpusName);
        whole.Train();
        var half = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 60, DynamicMasking = true, CaptureEpochs = [], SaveEvery = 25 }, temp["half"], TrainingRun.DefaultCorpusName);
        using (var stop = new CancellationTokenSource())
        {
            half.Train(m =>
            {
                if (m.Epoch == 37)
                {
                    stop.Cancel();
                }
            }, stop.Token);
        }

        var resumed = TrainingRun.Resume(SeedBert.Definition, temp["half"], new ResumeOptions { CaptureEpochs = [] });
        Assert.Equal(37, resumed.Trainer.Epoch);
        resumed.Train();

        Assert.Equal(File.ReadAllBytes(whole.Folder!.MetricsFile), File.ReadAllBytes(resumed.Folder!.MetricsFile));
        Assert.Equal(File.ReadAllBytes(whole.Folder!.CheckpointFile(60)), File.ReadAllBytes(resumed.Folder!.CheckpointFile(60)));
    }

    [Fact]
    public void Resume_refuses_what_it_cannot_continue()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "30", "--capture-epochs", "0").Code);

        Assert.Equal($"bertgen: '{temp["run"]}' has already trained 30 epochs; give --epochs a total larger than that.\n", CliTests.Run("train", "--resume", temp["run"], "--epochs", "30").Error);
        Assert.Equal("bertgen: --seed cannot be changed when resuming; the run keeps the settings in its config.json.\n", CliTests.Run("train", "--resume", temp["run"], "--seed", "3").Error);
        Assert.StartsWith("bertgen: there is no run '/no/such/run'.", CliTests.Run("train", "--resume", "/no/such/run").Error);

        var other = TrainingRun.Start(HfBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 3, CaptureEpochs = [] }, temp["other"], TrainingRun.DefaultCorpusName);
        other.Train();
        var (code, _, error) = CliTests.Run("train", "--resume", temp["other"], "--epochs", "10");
        Assert.Equal(2, code);
        Assert.Contains("was trained with another configuration (maxLen 14, batch 6, maxPred 2, 2 layers, 2 heads of 4, dModel 8", error);
    }

    [Fact]
    public void A_non_finite_loss_stops_training_keeps_a_checkpoint_of_weights_that_gave_a_finite_loss_and_exits_3()
    {
        using var temp = new TempFolder();
        var (code, _, error) = CliTests.Run("train", "--out", temp["run"], "--lr", "1e30", "--epochs", "200", "--save-every", "1", "--capture-epochs", "0");

        Assert.Equal(3, code);
        var match = System.Text.RegularExpressions.Regex.Match(error,
            @"^bertgen: the loss is not finite at epoch (\d+) \(NaN\); training stopped\. The last good checkpoint is (.*epoch-(\d+)\.safetensors) \(those of the weights that diverged are set aside as \*\.diverged\.safetensors\); try a smaller --lr\.\n$");
        Assert.True(match.Success, error);
        int diverged = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        int good = int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture);

        // The weights after epoch diverged - 1 gave the loss that is not finite: the newest checkpoint is older, and its
        // weights give a finite loss.
        Assert.True(good <= diverged - 2, $"good {good}, diverged {diverged}");
        var run = RunArchive.Open(temp["run"]);
        Assert.Equal(good, run.Folder.CheckpointEpochs()[^1]);
        var model = new SeedBert(run.Vocabulary.Count);
        var trainer = new Trainer(model, run.Samples, new AdamSettings(), null);
        Checkpoint.Load(match.Groups[2].Value, model).CopyTo(trainer.Parameters, 0);
        Assert.True(double.IsFinite(trainer.Evaluate().Loss));
        Assert.True(File.Exists(Path.Combine(temp["run"], "checkpoints", $"epoch-{diverged - 1:D6}.diverged.safetensors")));
        Assert.Contains(",NaN,", File.ReadAllText(Path.Combine(temp["run"], "metrics.csv")));

        // predict, report and resume take the good checkpoint; the set-aside weights are refused by predict.
        Assert.Equal(0, CliTests.Run("predict", temp["run"], "the [MASK] chased the mouse.", "it was fast.").Code);
        var (reportCode, _, reportError) = CliTests.Run("report", temp["run"]);
        Assert.True(reportCode == 0, reportError);
        var (badCode, _, badError) = CliTests.Run(
            "predict", temp["run"], "the [MASK] chased the mouse.", "it was fast.", "--checkpoint", Path.Combine(temp["run"], "checkpoints", $"epoch-{diverged - 1:D6}.diverged.safetensors"));
        Assert.Equal(2, badCode);
        Assert.Contains("give probabilities that are not finite", badError);
    }

    [Fact]
    public void Ctrl_C_finishes_the_epoch_saves_a_checkpoint_says_where_and_exits_130()
    {
        using var temp = new TempFolder();
        using var child = new ChildProcess("train", "--epochs", "10000000", "--capture-epochs", "0", "--out", temp["run"]);
        child.WaitFor("Capturing epochs 0.", TimeSpan.FromSeconds(60));
        Thread.Sleep(700);
        child.Signal("INT");

        Assert.Equal(130, child.Wait(TimeSpan.FromSeconds(60)));
        var match = System.Text.RegularExpressions.Regex.Match(child.Output, @"Interrupted after epoch (\d+); saved (.*epoch-(\d+)\.safetensors)\.");
        Assert.True(match.Success, child.Output);
        int epoch = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(epoch > 0);
        Assert.Equal(epoch, int.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(epoch, Checkpoint.Epoch(SafeTensorsFile.Read(match.Groups[2].Value)));
        Assert.Equal(epoch + 1, File.ReadAllLines(Path.Combine(temp["run"], "metrics.csv")).Length);
        Assert.Contains($"Resume with: bertgen train --resume {temp["run"]}", child.Output);

        var (code, _, _) = CliTests.Run("train", "--resume", temp["run"], "--epochs", (epoch + 5).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, code);
    }

    [Fact]
    public void A_second_Ctrl_C_stops_at_once_and_leaves_every_checkpoint_whole()
    {
        using var temp = new TempFolder();
        using var child = new ChildProcess("train", "--epochs", "10000000", "--save-every", "50", "--capture-epochs", "0", "--out", temp["run"]);
        child.WaitFor("Capturing epochs 0.", TimeSpan.FromSeconds(60));
        Thread.Sleep(700);
        child.Signal("INT");
        child.Signal("INT");

        Assert.Equal(130, child.Wait(TimeSpan.FromSeconds(30)));
        var checkpoints = Directory.GetFiles(Path.Combine(temp["run"], "checkpoints"), "*.safetensors");
        Assert.NotEmpty(checkpoints);
        foreach (var file in checkpoints.Where(f => !f.EndsWith(".optimizer.safetensors", StringComparison.Ordinal)))
        {
            Checkpoint.Load(file, new SeedBert(42));
        }

        foreach (var file in checkpoints.Where(f => f.EndsWith(".optimizer.safetensors", StringComparison.Ordinal)))
        {
            SafeTensorsFile.Read(file);
        }
    }
}
