using BertGen.Cli;
using BertGen.Demo;
using BertGen.Tests.Support;

namespace BertGen.Tests.Cli;

/// <summary>The console program, run in-process with its output captured.</summary>
public sealed class CliTests
{
    [Fact]
    public void Every_setting_the_runtime_can_name_has_an_option()
    {
        Assert.All(SettingNames.All, name => Assert.True(BertGenApp.Flags.ContainsKey(name), $"{name} has no option"));
        var error = new SettingException(SettingNames.CaptureEpochs, SettingNames.CaptureEvery, (a, b) => $"train with {a} or {b}.");
        Assert.Equal("train with CaptureEpochs or CaptureEvery.", error.Message);
        Assert.Equal("train with --capture-epochs or --capture-every.", error.Describe(n => BertGenApp.Flags[n]));
    }

    [Fact]
    public void Train_prints_the_summary_table_and_writes_the_run_folder()
    {
        using var temp = new TempFolder();
        var (code, output, error) = Run("train", "--epochs", "40", "--seed", "3", "--out", temp["run"]);

        Assert.Equal(0, code);
        Assert.Equal("", error);
        Assert.Contains("Training TinyBert (2 layers, 5 heads of 4, dModel 7, dFF 28, vocabulary 42) on 6 sentence pairs for 40 epochs.", output);
        Assert.Contains("epoch    40/40  loss ", output);
        Assert.Contains("sample  masked input", output);
        Assert.Matches(@"IsNext\s+IsNext\n\s+predicted\s+actual\n", output); // the summary's headers wrap to fit 80 columns
        var table = output[output.IndexOf("sample  masked input", StringComparison.Ordinal)..output.IndexOf("Masked words right", StringComparison.Ordinal)];
        Assert.All(table.TrimEnd('\n').Split('\n'), line => Assert.True(line.Length <= 80, line));
        Assert.Matches(@"Trained 40 epochs \(40 steps\) in [0-9.]+ s: [0-9.]+ µs per step\.", output);
        Assert.True(File.Exists(Path.Combine(temp["run"], "checkpoints", "epoch-000040.safetensors")));
    }

    [Fact]
    public void Help_lists_the_training_options()
    {
        var (code, output, _) = Run("--help");

        Assert.Equal(0, code);
        foreach (var option in new[] { "--epochs", "--lr", "--seed", "--corpus", "--out", "--dynamic-masking", "--save-every", "train" })
        {
            Assert.Contains(option, output);
        }
    }

    [Theory]
    [InlineData(new[] { "--epochs", "many" }, "bertgen: --epochs: 'many' is not a whole number; write one such as 5000.")]
    [InlineData(new[] { "--epochs", "1,000" }, "bertgen: --epochs: '1,000' is not a whole number (write digits only, no commas or dots); write one such as 5000.")]
    [InlineData(new[] { "--epochs", "2147483647" }, "bertgen: --epochs is 2147483647; give 0 to 10000000.")]
    [InlineData(new[] { "--epochs", "99999999999" }, "bertgen: --epochs is 99999999999; give 0 to 10000000.")]
    [InlineData(new[] { "--threads", "100000" }, "bertgen: --threads is 100000; give 0 to 256.")]
    [InlineData(new[] { "--lr", "0,001" }, "bertgen: --lr: '0,001' has a comma; write numbers with a dot and no thousands separators, such as 0.001.")]
    [InlineData(new[] { "--lr", "1,5" }, "bertgen: --lr: '1,5' has a comma")]
    [InlineData(new[] { "--lr", "fast" }, "bertgen: --lr: 'fast' is not a number; write one such as 0.001 or 1e-4.")]
    [InlineData(new[] { "--lr", "Infinity" }, "bertgen: --lr is Infinity; give a positive number such as 0.001.")]
    [InlineData(new[] { "--capture-every", "1", "--epochs", "20000" }, "bertgen: --capture-every 1 captures 20001 epochs of 20000; at most 10000")]
    [InlineData(new[] { "--width", "5", "explore" }, "bertgen: --width is 5; give 40 to 10000.")]
    [InlineData(new[] { "--save-every", "-1" }, "bertgen: --save-every is -1; give 0 or more.")]
    [InlineData(new[] { "--lr" }, "bertgen: Required argument missing for option: '--lr'")]
    [InlineData(new[] { "--colour", "red" }, "bertgen: Unrecognized command or argument '--colour'")]
    [InlineData(new[] { "--seed", "-4" }, "bertgen: --seed: '-4' is not a seed; write a whole number from 0 to 18446744073709551615, such as 1.")]
    [InlineData(new[] { "--lr", "-1" }, "bertgen: --lr is -1; give a positive number such as 0.001.")]
    [InlineData(new[] { "--lr", "0" }, "bertgen: --lr is 0; give a positive number such as 0.001.")]
    [InlineData(new[] { "--epochs", "-5" }, "bertgen: --epochs is -5; give 0 to 10000000.")]
    [InlineData(new[] { "--corpus", "/no/such/corpus.txt" }, "bertgen: cannot read the corpus '/no/such/corpus.txt'")]
    public void A_command_line_mistake_is_one_line_and_exit_code_2(string[] args, string message)
    {
        var (code, output, error) = Run(args);

        Assert.Equal(2, code);
        Assert.StartsWith(message, error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.DoesNotContain("   at ", error + output);
    }

    [Fact]
    public void A_bad_corpus_line_is_reported_with_its_file_and_line()
    {
        using var temp = new TempFolder();
        string corpus = temp.Write("pairs.txt", "A cat. | A dog. | IsNext\nno label here | at all\n");

        var (code, _, error) = Run("--corpus", corpus, "--out", temp["run"]);

        Assert.Equal(2, code);
        Assert.Equal(
            $"bertgen: {corpus}:2: expected 3 fields separated by '|' (first sentence | second sentence | IsNext or NotNext), and optionally a fourth with the words to mask, found 2.",
            error.TrimEnd());
        Assert.False(Directory.Exists(temp["run"]));
    }

    [Fact]
    public void A_user_corpus_trains_with_its_own_vocabulary()
    {
        using var temp = new TempFolder();
        string corpus = temp.Write("pairs.txt", "# two pairs\nThe dog barks. | It is loud. | NotNext\nThe bird sings. | It is sweet. | IsNext\n");

        var (code, output, _) = Run("--corpus", corpus, "--epochs", "5", "--out", temp["run"]);

        Assert.Equal(0, code);
        Assert.Contains("on 2 sentence pairs", output);
        Assert.Equal(["[PAD]", "[CLS]", "[SEP]", "[MASK]", "the", "dog", "barks", "it", "is", "loud", "bird", "sings", "sweet"], File.ReadAllLines(Path.Combine(temp["run"], "vocab.txt")));
    }

    [Fact]
    public void A_program_with_several_models_asks_which_to_train()
    {
        using var temp = new TempFolder();
        var (code, _, error) = RunWith([SeedBert.Definition, HfBert.Definition], "train", "--epochs", "2", "--out", temp["run"]);

        Assert.Equal(2, code);
        Assert.Equal("bertgen: this program holds several models (SeedBert, HfBert); choose one with --model NAME.", error.TrimEnd());
        Assert.False(Directory.Exists(temp["run"]));
    }

    [Fact]
    public void Model_picks_the_model_to_train_and_a_run_keeps_its_own_for_predict()
    {
        using var temp = new TempFolder();
        ModelDefinition[] models = [SeedBert.Definition, HfBert.Definition];

        var (code, output, error) = RunWith(models, "train", "--model", "HfBert", "--epochs", "3", "--out", temp["run"]);
        Assert.True(code == 0, error);
        Assert.Contains("Training HfBert (2 layers, 2 heads of 4, dModel 8, dFF 16, vocabulary 42)", output);

        (code, output, error) = RunWith(models, "predict", temp["run"], "the [MASK] chased the mouse.", "it was a fast chase.");
        Assert.True(code == 0, error);
        Assert.Contains("[MASK] at position 2:", output);

        (code, _, error) = RunWith(models, "train", "--model", "NoSuchBert", "--out", temp["other"]);
        Assert.Equal(2, code);
        Assert.Equal("bertgen: there is no model \"NoSuchBert\"; this program holds SeedBert, HfBert.", error.TrimEnd());
    }

    [Fact]
    public void A_program_without_a_model_says_how_to_get_one()
    {
        var (code, _, error) = RunWith([], "train");

        Assert.Equal(2, code);
        Assert.Equal("bertgen: this program holds no BertGen model; add a bertgen.json to its project and rebuild.", error.TrimEnd());
    }

    internal static (int Code, string Output, string Error) Run(params string[] args) => RunWith([TinyBert.Definition], args);

    internal static (int Code, string Output, string Error) RunWith(ModelDefinition[] models, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = BertGenApp.Run(args, models, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
