using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Tests.Support;
using BertGen.Training;

namespace BertGen.Tests.Checkpoints;

public sealed class CheckpointTests
{
    /// <summary>Hugging Face BertForPreTraining's tensors for the seed configuration (vocabulary 42), in its order.</summary>
    private static readonly (string Name, int[] Shape)[] SeedTensors = BuildSeedTensors();

    [Fact]
    public void Checkpoint_holds_BertForPreTraining_names_and_shapes_in_float32_with_the_configuration()
    {
        using var temp = new TempFolder();
        var model = new SeedBert(42);
        var weights = new float[model.Parameters.Length];
        Initializer.Initialize(model.Parameters, weights, new SeededRandom(1));

        Checkpoint.Save(temp["w.safetensors"], model, weights, epoch: 12);
        var file = SafeTensorsFile.Read(temp["w.safetensors"]);

        Assert.Equal(SeedTensors.Select(t => t.Name).Order(), file.Tensors.Select(t => t.Name).Order());
        foreach (var (name, shape) in SeedTensors)
        {
            var entry = file.Find(name)!;
            Assert.Equal("F32", entry.DType);
            Assert.Equal(shape.Select(d => (long)d), entry.Shape);
        }

        Assert.Equal(12, Checkpoint.Epoch(file));
        Assert.Contains("\"dModel\":7", file.Metadata[Checkpoint.ConfigKey]);
        Assert.Equal(weights, Checkpoint.Load(file, model));
    }

    [Fact]
    public void Loading_a_checkpoint_of_another_configuration_names_the_tensor_and_both_shapes()
    {
        using var temp = new TempFolder();
        var odd = new OddBert(42);
        Checkpoint.Save(temp["odd.safetensors"], odd, new float[odd.Parameters.Length], epoch: 0);

        var e = Assert.Throws<InputException>(() => Checkpoint.Load(temp["odd.safetensors"], new SeedBert(42)));
        Assert.Contains("'bert.embeddings.word_embeddings.weight' has shape [42, 5], but SeedBert needs [42, 7]", e.Message);
    }

    [Fact]
    public void Safetensors_files_are_written_whole_or_not_at_all()
    {
        using var temp = new TempFolder();
        string path = temp["w.safetensors"];
        File.WriteAllText(path, "previous");

        Assert.ThrowsAny<Exception>(() => SafeTensorsFile.Write(path, [SafeTensorData.Of("x", [4], new float[2])]));

        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(temp.Path));
    }

    private static (string, int[])[] BuildSeedTensors()
    {
        var list = new List<(string, int[])>
        {
            ("bert.embeddings.word_embeddings.weight", [42, 7]), ("bert.embeddings.position_embeddings.weight", [14, 7]),
            ("bert.embeddings.token_type_embeddings.weight", [2, 7]), ("bert.embeddings.LayerNorm.weight", [7]), ("bert.embeddings.LayerNorm.bias", [7]),
        };
        for (int l = 0; l < 2; l++)
        {
            string p = $"bert.encoder.layer.{l}.";
            foreach (var qkv in new[] { "query", "key", "value" })
            {
                list.Add((p + $"attention.self.{qkv}.weight", [20, 7]));
                list.Add((p + $"attention.self.{qkv}.bias", [20]));
            }

            list.AddRange([
                (p + "attention.output.dense.weight", [7, 20]), (p + "attention.output.dense.bias", [7]),
                (p + "attention.output.LayerNorm.weight", [7]), (p + "attention.output.LayerNorm.bias", [7]),
                (p + "intermediate.dense.weight", [28, 7]), (p + "intermediate.dense.bias", [28]),
                (p + "output.dense.weight", [7, 28]), (p + "output.dense.bias", [7]),
                (p + "output.LayerNorm.weight", [7]), (p + "output.LayerNorm.bias", [7]),
            ]);
        }

        list.AddRange([
            ("bert.pooler.dense.weight", [7, 7]), ("bert.pooler.dense.bias", [7]),
            ("cls.predictions.transform.dense.weight", [7, 7]), ("cls.predictions.transform.dense.bias", [7]),
            ("cls.predictions.transform.LayerNorm.weight", [7]), ("cls.predictions.transform.LayerNorm.bias", [7]),
            ("cls.predictions.bias", [42]), ("cls.seq_relationship.weight", [2, 7]), ("cls.seq_relationship.bias", [2]),
        ]);
        return list.ToArray();
    }
}
