using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Runs;
using BertGen.Tests.Support;
using BertGen.Training;

namespace BertGen.Tests.Explore;

public sealed class CaptureTests
{
    [Fact]
    public void A_capture_holds_the_values_the_training_step_computed()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 12, SaveEvery = 5, CaptureEpochs = [0, 5, 12] }, temp["run"], TrainingRun.DefaultCorpusName);
        run.Train();
        var archive = RunArchive.Open(run.Folder!.Path);
        var model = run.Model;

        foreach (int epoch in new[] { 0, 5, 12 })
        {
            var capture = archive.Capture(epoch);
            var weights = Checkpoint.Load(run.Folder!.CheckpointFile(epoch), model);

            // The weights are those after `epoch` epochs ...
            foreach (var tensor in model.Parameters)
            {
                Assert.Equal(tensor.Of<float>(weights).ToArray(), capture.Parameter(tensor.Name));
            }

            // ... and the activations and gradients are those of a pass with them; the loss is metrics.csv's next row.
            var trainer = new Trainer(model, run.Data.Samples, new AdamSettings(), new SeededRandom(99));
            weights.CopyTo(trainer.Parameters, 0);
            var metrics = trainer.Evaluate(); // one batch: the arena holds every sample's activations after it
            for (int s = 0; s < trainer.SampleCount; s++)
            {
                foreach (var tensor in model.Activations)
                {
                    Assert.Equal(tensor.Of(trainer.BatchActivations(s)).ToArray(), capture.Activation(tensor.Name, tensor.Layer, s));
                }
            }

            foreach (var tensor in model.Parameters)
            {
                Assert.Equal(tensor.Of<float>(trainer.Gradients).ToArray(), capture.Gradient(tensor.Name));
            }

            Assert.Equal(metrics.Loss, capture.Loss);
            if (epoch < 12)
            {
                Assert.Equal(run.Metrics[epoch].Loss, capture.Loss);
            }
        }
    }

    [OptimizedBuildFact]
    public void An_epoch_without_a_capture_allocates_nothing()
    {
        var data = TrainingData.Create(Corpus.Default, "default", SeedBert.MaxLen, SeedBert.MaxPred, new SeededRandom(1));
        var trainer = new Trainer(new SeedBert(data.Vocabulary.Count), data.Samples, new AdamSettings(), new SeededRandom(1));

        // Steady state, as a benchmark measures it: a second of training first, so that tiered compilation has
        // finished recompiling the kernels (it may allocate on this thread while it does).
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(1))
        {
            trainer.TrainEpoch();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            trainer.TrainEpoch();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Default_schedule_captures_epoch_0_two_epochs_a_decade_and_the_last()
    {
        Assert.Equal([0, 1, 3, 10, 30, 100, 300, 1000, 3000, 5000], CaptureSchedule.Resolve(new TrainingOptions()));
        Assert.Equal([0, 1, 3, 10, 30, 40], CaptureSchedule.Resolve(new TrainingOptions { Epochs = 40 }));
        Assert.Equal([0, 25, 50, 60], CaptureSchedule.Resolve(new TrainingOptions { Epochs = 60, CaptureEvery = 25 }));
        Assert.Equal([0, 7, 60], CaptureSchedule.Resolve(new TrainingOptions { Epochs = 60, CaptureEvery = 60, CaptureEpochs = [7] }));
        var e = Assert.Throws<SettingException>(() => CaptureSchedule.Resolve(new TrainingOptions { Epochs = 60, CaptureEpochs = [0, 100] }));
        Assert.Equal("CaptureEpochs names epoch 100, but training runs epochs 0 to 60.", e.Message);
        Assert.Equal([SettingNames.CaptureEpochs], e.Settings);
    }

    [Fact]
    public void Capture_files_name_their_tensors_for_other_tools()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(SeedBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 1, CaptureEpochs = [1] }, temp["run"], TrainingRun.DefaultCorpusName);
        run.Train();

        var file = SafeTensorsFile.Read(run.Folder!.CaptureFile(1));
        Assert.Equal([6, 14, 7], file.Find("act.embedding")!.Shape);
        Assert.Equal([6, 5, 14, 14], file.Find("act.layer.1.attn")!.Shape);
        Assert.Equal([6, 2, 42], file.Find("act.logits_lm")!.Shape);
        Assert.Equal([20, 7], file.Find("grad.bert.encoder.layer.0.attention.self.query.weight")!.Shape);
        Assert.Equal("I32", file.Find("input.input_ids")!.DType);
        Assert.Equal("1", file.Metadata[Checkpoint.EpochKey]);
    }
}
