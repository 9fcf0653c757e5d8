using System.Text.Json;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Explore;
using BertGen.Inference;
using BertGen.Runs;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Inference;

public sealed class ExportTests
{
    [Fact]
    public void Export_writes_a_Hugging_Face_BertForPreTraining_folder()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(HfBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 5, CaptureEpochs = [] }, temp["run"], TrainingRun.DefaultCorpusName);
        run.Train();

        HuggingFaceExport.Export(RunArchive.Open(temp["run"]), HfBert.Definition, null, temp["hf"]);

        Assert.Equal(["config.json", "model.safetensors", "vocab.txt"], Directory.GetFiles(temp["hf"]).Select(Path.GetFileName).Order());
        var model = SafeTensorsFile.Read(Path.Combine(temp["hf"], "model.safetensors"));
        Assert.Equal(run.Model.Parameters.Select(p => p.Name).Order(), model.Tensors.Select(t => t.Name).Order());
        Assert.Equal(run.Trainer.Parameters, Checkpoint.Load(model, run.Model));
        Assert.Equal("pt", model.Metadata["format"]);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(temp["hf"], "config.json")));
        var c = config.RootElement;
        Assert.Equal("BertForPreTraining", c.GetProperty("architectures")[0].GetString());
        Assert.Equal(8, c.GetProperty("hidden_size").GetInt32());
        Assert.Equal(2, c.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(2, c.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(16, c.GetProperty("intermediate_size").GetInt32());
        Assert.Equal(14, c.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal(2, c.GetProperty("type_vocab_size").GetInt32());
        Assert.Equal(1e-5, c.GetProperty("layer_norm_eps").GetDouble());
        Assert.Equal(42, c.GetProperty("vocab_size").GetInt32());
        Assert.Equal("gelu", c.GetProperty("hidden_act").GetString());
        Assert.Equal(run.Data.Vocabulary.Tokens, File.ReadAllLines(Path.Combine(temp["hf"], "vocab.txt")));
    }

    [Fact]
    public void A_configuration_Hugging_Face_cannot_express_is_refused_with_the_reason()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "2", "--capture-epochs", "0").Code);

        var (code, _, error) = CliTests.Run("export", temp["run"], "--out", temp["hf"]);

        Assert.Equal(2, code);
        Assert.Equal($"bertgen: cannot export '{temp["run"]}': Hugging Face's BERT needs heads*dK = dModel, and this model has 5*4 = 20 with dModel 7.\n", error);
        Assert.False(Directory.Exists(temp["hf"]));
        Assert.Contains("ffnAddNorm false", HuggingFaceExport.Inexpressible(new ModelConfig("X", 14, 6, 2, 2, 2, 8, 16, 4, 2, false, true, 1e-5, 42)));
        Assert.Contains("embeddingLayerNorm false", HuggingFaceExport.Inexpressible(new ModelConfig("X", 14, 6, 2, 2, 2, 8, 16, 4, 2, true, false, 1e-5, 42)));
    }

    [Fact]
    public void Export_needs_its_out_option_and_never_writes_into_a_folder_with_files()
    {
        Assert.Equal(2, CliTests.Run("export").Code);
        Assert.StartsWith("bertgen: Option '--out' is required.", CliTests.Run("export").Error);

        using var temp = new TempFolder();
        var run = TrainingRun.Start(HfBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 1, CaptureEpochs = [] }, temp["run"], TrainingRun.DefaultCorpusName);
        run.Train();
        temp.Write("taken.txt", "keep");
        var e = Assert.Throws<SettingException>(() => HuggingFaceExport.Export(RunArchive.Open(temp["run"]), HfBert.Definition, null, temp.Path));
        Assert.Contains("already exists and is not an empty folder", e.Message);
        Assert.Equal("keep", File.ReadAllText(temp["taken.txt"]));
    }

    [Fact]
    public void Export_writes_only_what_a_checkpoint_load_accepts()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(HfBert.Definition, Corpus.Default, new TrainingOptions { Epochs = 2, CaptureEpochs = [2] }, temp["run"], TrainingRun.DefaultCorpusName);
        run.Train();
        var archive = RunArchive.Open(temp["run"]);
        var model = new HfBert(42);
        string capture = archive.Folder.CaptureFile(2);
        string optimizer = OptimizerCheckpoint.PathFor(archive.Folder.CheckpointFile(2));
        var nanWeights = new float[model.Parameters.Length];
        nanWeights[3] = float.NaN;
        Checkpoint.Save(temp["nan.safetensors"], model, nanWeights, 2);
        var missing = model.Parameters.Skip(1).Select(t => SafeTensorData.Of(t.Name, t.Shape, new float[model.Parameters.Length], t.Offset)).ToList();
        SafeTensorsFile.Write(temp["missing.safetensors"], missing, new Dictionary<string, string> { [Checkpoint.ConfigKey] = ConfigJson.Serialize(model.Config) });
        var f64 = model.Parameters.Select(t => SafeTensorData.Of(t.Name, t.Shape, new double[model.Parameters.Length], t.Offset)).ToList();
        SafeTensorsFile.Write(temp["f64.safetensors"], f64, new Dictionary<string, string> { [Checkpoint.ConfigKey] = ConfigJson.Serialize(model.Config) });

        foreach (var (file, message) in new[]
        {
            (capture, "has no tensor 'bert.embeddings.word_embeddings.weight'"),
            (optimizer, "has no tensor 'bert.embeddings.word_embeddings.weight'"),
            (temp["nan.safetensors"], "holds NaN at index 3"),
            (temp["missing.safetensors"], "has no tensor 'bert.embeddings.word_embeddings.weight'"),
            (temp["f64.safetensors"], "is F64; BertGen checkpoints hold F32"),
        })
        {
            string target = temp[$"hf-{Path.GetFileName(file)}"];
            var (code, _, error) = CliTests.RunWith([HfBert.Definition], "export", temp["run"], "--checkpoint", file, "--out", target);
            Assert.True(code == 2, $"{file}: {error}");
            Assert.Contains(message, error);
            Assert.False(Directory.Exists(target), file);
        }
    }
}
