using System.Buffers.Binary;
using System.Text;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Tests.Cli;
using BertGen.Tests.Support;

namespace BertGen.Tests.Reliability;

/// <summary>Hostile headers, devices, huge files, edited run files, bad optimizer state and bad text: each a clear exit 2.</summary>
public sealed class HostileInputTests
{
    public static TheoryData<string, string, string> Headers => new()
    {
        { "a key given twice in a tensor", "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "Duplicate property 'dtype'" },
        { "two __metadata__", "{\"__metadata__\":{\"a\":\"1\"},\"__metadata__\":{\"b\":\"2\"}}", "Duplicate property '__metadata__'" },
        { "a tensor given twice", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "Duplicate property 'w'" },
        { "a metadata key given twice", "{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", "Duplicate property 'a'" },
        { "an escaped lone surrogate in a name", "{\"w\\ud800\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "is not valid Unicode text" },
        { "an escaped lone surrogate in metadata", "{\"__metadata__\":{\"a\":\"\\udc00\"}}", "is not valid Unicode text" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_header_the_format_forbids_is_refused_naming_what_is_wrong(string what, string header, string message)
    {
        var e = Assert.Throws<InputException>(() => SafeTensorsFile.Parse(Craft(Encoding.UTF8.GetBytes(header), 4), "f"));

        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: {e.Message}");
        Assert.StartsWith("'f' is not a valid safetensors file: ", e.Message);
    }

    [Fact]
    public void A_header_that_is_not_UTF_8_is_refused()
    {
        var header = Encoding.UTF8.GetBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}");
        header[3] = 0xFF;

        var e = Assert.Throws<InputException>(() => SafeTensorsFile.Parse(Craft(header, 4), "f"));

        Assert.Contains("its header is not valid JSON", e.Message);
    }

    [Fact]
    public void A_device_a_folder_or_a_huge_file_is_refused_quickly_without_reading_it()
    {
        using var temp = new TempFolder();
        var model = new SeedBert(42);
        if (File.Exists("/dev/zero"))
        {
            Assert.Contains("too short for the 8-byte header length (or it is not a regular file)", Assert.Throws<InputException>(() => Checkpoint.Load("/dev/zero", model)).Message);
        }

        Assert.Contains("it is a folder", Assert.Throws<InputException>(() => Checkpoint.Load(temp.Path, model)).Message);

        // A 1.9 GB file (sparse: it takes no disk) whose header describes it all: refused on its header, before any data is read.
        string huge = temp["huge.safetensors"];
        var header = Encoding.UTF8.GetBytes("{\"bert.embeddings.word_embeddings.weight\":{\"dtype\":\"F32\",\"shape\":[475000000],\"data_offsets\":[0,1900000000]}}");
        using (var file = new FileStream(huge, FileMode.Create))
        {
            var prefix = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            file.Write(prefix);
            file.Write(header);
            file.SetLength(8 + header.Length + 1_900_000_000L);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InputException>(() => Checkpoint.Load(huge, model));
        Assert.Contains("has shape [475000000], but SeedBert needs [42, 7]", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the data was not read");

        // A header length the file cannot hold, or larger than any header may be.
        File.WriteAllBytes(temp["long.safetensors"], [0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x7B]);
        Assert.Contains("more than the 100000000 a header may have", Assert.Throws<InputException>(() => Checkpoint.Load(temp["long.safetensors"], model)).Message);
    }

    [Theory]
    [InlineData("exp_avg_sq.cls.predictions.bias", -1f, "holds -1 at index 3; Adam's moments must be finite, and the second ones not negative")]
    [InlineData("exp_avg.bert.pooler.dense.weight", float.NaN, "holds NaN at index 3")]
    [InlineData("exp_avg.bert.pooler.dense.weight", float.PositiveInfinity, "holds Infinity at index 3")]
    public void Adams_state_is_checked_as_the_weights_are_naming_the_tensor(string tensor, float value, string message)
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "3", "--capture-epochs", "").Code);
        string optimizer = Path.Combine(temp["run"], "checkpoints", "epoch-000003.optimizer.safetensors");
        Rewrite(optimizer, tensor, 3, value);

        var (code, _, error) = CliTests.Run("train", "--resume", temp["run"], "--epochs", "5");

        Assert.Equal(2, code);
        Assert.Contains($"tensor '{tensor}' {message}", error);
    }

    [Fact]
    public void An_Adam_step_that_is_not_the_checkpoints_is_refused()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "3", "--capture-epochs", "").Code);
        string optimizer = Path.Combine(temp["run"], "checkpoints", "epoch-000003.optimizer.safetensors");
        var file = SafeTensorsFile.Read(optimizer);
        var metadata = file.Metadata.Where(m => m.Key != SafeTensorsFile.DataHashKey).ToDictionary(m => m.Key, m => m.Value);
        metadata["bertgen.adam_step"] = long.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture);
        SafeTensorsFile.Write(optimizer, file.Tensors.Select(t => SafeTensorData.Of(t.Name, t.Shape.Select(d => (int)d).ToArray(), file.Float32(t.Name))).ToList(), metadata);

        var (code, _, error) = CliTests.Run("train", "--resume", temp["run"], "--epochs", "5");

        Assert.Equal(2, code);
        Assert.Contains("records Adam step 9223372036854775807, but its checkpoint's epochs took 3 steps", error);
    }

    public static TheoryData<string, string, string, string> EditedFiles => new()
    {
        { "samples.json", "\"inputIds\":[1,", "\"inputIds\":[99999,", "sample 0: inputIds[0] is 99999, outside the vocabulary's ids (0 to 41)" },
        { "samples.json", "\"maskedPositions\":[2,11]", "\"maskedPositions\":[2]", "sample 0: maskedPositions has 1 values, but the model takes 2" },
        { "samples.json", "\"segmentIds\":[0,", "\"segmentIds\":[7,", "sample 0: segmentIds[0] is 7, outside segment ids (0 to 1)" },
        { "samples.json", "\"isNext\":false", "\"isNext\":false,\"isNext\":true", "Duplicate property 'isNext'" },
        { "config.json", "\"maxLen\": 14", "\"maxLen\": 14, \"maxLen\": 15", "Duplicate property 'maxLen'" },
        { "vocab.txt", "cat\n", "", "holds 41 tokens, but config.json says the vocabulary has 42" },
    };

    [Theory]
    [MemberData(nameof(EditedFiles))]
    public void An_edited_run_file_is_checked_against_the_others_and_the_model(string file, string find, string replace, string message)
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "2", "--capture-epochs", "0").Code);
        string path = Path.Combine(temp["run"], file);
        string text = File.ReadAllText(path);
        Assert.Contains(find, text);
        File.WriteAllText(path, ReplaceFirst(text, find, replace));

        foreach (var args in new[]
        {
            new[] { "train", "--resume", temp["run"], "--epochs", "4" },
            new[] { "predict", temp["run"], "the [MASK] chased the mouse.", "it was fast." },
            new[] { "explore", temp["run"] },
            new[] { "report", temp["run"] },
        })
        {
            var (code, _, error) = CliTests.Run(args);
            Assert.True(code == 2, $"{args[0]}: exit {code}: {error}");
            Assert.Contains(message, error);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
    }

    [Fact]
    public void A_vocabulary_of_only_the_special_tokens_is_refused_by_predict()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "2", "--capture-epochs", "0").Code);
        File.WriteAllText(Path.Combine(temp["run"], "vocab.txt"), "[PAD]\n[CLS]\n[SEP]\n[MASK]\n");

        var (code, _, error) = CliTests.Run("predict", temp["run"], "the [MASK] chased the mouse.", "it was fast.");

        Assert.Equal(2, code);
        Assert.Contains("holds 4 tokens, but config.json says the vocabulary has 42", error);
    }

    [Fact]
    public void A_corpus_that_is_not_UTF_8_is_refused_with_its_line_and_bytes()
    {
        using var temp = new TempFolder();
        string corpus = temp["latin1.txt"];
        File.WriteAllBytes(corpus, [.. Encoding.UTF8.GetBytes("The cat sat. | It was fast. | IsNext\nLe caf"), 0xE9, .. Encoding.UTF8.GetBytes(" est ouvert. | Oui. | NotNext\n")]);

        var (code, _, error) = CliTests.Run("train", "--corpus", corpus, "--out", temp["run"]);

        Assert.Equal(2, code);
        Assert.Equal($"bertgen: {corpus}:2: the text is not UTF-8 (bytes 0xe9 0x20 0x65 0x73 at byte 43); save the file as UTF-8.\n", error);
        Assert.False(Directory.Exists(temp["run"]));
    }

    [Fact]
    public void IO_failures_exit_4_with_one_line()
    {
        using var temp = new TempFolder();
        Assert.Equal(0, CliTests.Run("train", "--out", temp["run"], "--epochs", "2", "--capture-epochs", "0").Code);
        Directory.CreateDirectory(temp["page"]);

        var (code, _, error) = CliTests.Run("report", temp["run"], "--out", temp["page"]);

        Assert.Equal(4, code);
        Assert.StartsWith("bertgen: ", error);
        Assert.Single(error.TrimEnd().Split('\n'));
        if (Directory.Exists("/proc/self"))
        {
            var (exportCode, _, exportError) = CliTests.RunWith([HfBert.Definition], "export", temp["run"], "--out", "/proc/bertgen-export");
            Assert.True(exportCode is 2 or 4, exportError); // refused as another model's run, or by /proc
        }
    }

    private static void Rewrite(string path, string tensor, int index, float value)
    {
        var file = SafeTensorsFile.Read(path);
        var metadata = file.Metadata.Where(m => m.Key != SafeTensorsFile.DataHashKey).ToDictionary(m => m.Key, m => m.Value);
        var tensors = file.Tensors.Select(t =>
        {
            var values = file.Float32(t.Name);
            if (t.Name == tensor)
            {
                values[index] = value;
            }

            return SafeTensorData.Of(t.Name, t.Shape.Select(d => (int)d).ToArray(), values);
        }).ToList();
        SafeTensorsFile.Write(path, tensors, metadata);
    }

    private static string ReplaceFirst(string text, string find, string replace)
    {
        int at = text.IndexOf(find, StringComparison.Ordinal);
        return text[..at] + replace + text[(at + find.Length)..];
    }

    private static byte[] Craft(byte[] header, int dataBytes)
    {
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        return bytes;
    }
}
