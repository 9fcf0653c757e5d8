using System.Buffers.Binary;
using System.Text;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Tests.Support;
using BertGen.Training;

namespace BertGen.Tests.Checkpoints;

/// <summary>
/// Damaged and hand-crafted hostile safetensors files: each is refused with a clear message; none crashes, hangs, or
/// allocates more than the file's size plus a fixed 64 KiB for parsing the header.
/// </summary>
public sealed class HostileFileTests
{
    private const long ParsingAllowance = 64 * 1024;

    public static TheoryData<string, byte[], string> Files()
    {
        var good = GoodCheckpoint();
        var data = new TheoryData<string, byte[], string>
        {
            { "empty", [], "it is 0 bytes long, too short for the 8-byte header length" },
            { "truncated in the length", good[..5], "too short for the 8-byte header length" },
            { "truncated in the header", good[..200], "its header length says" },
            { "truncated in the data", good[..^100], "outside the" },
            { "header length past the end", WithLength(good, ulong.MaxValue), "its header length says 18446744073709551615 bytes, more than the 100000000 a header may have" },
            { "header not JSON", Craft("{\"a\": [1, 2"), "its header is not valid JSON" },
            { "header not an object", Craft("[1, 2, 3]"), "its header is not a JSON object" },
            { "header nested deeply", Craft(new string('[', 5000) + new string(']', 5000)), "its header is not valid JSON" },
            { "unknown dtype", Craft("{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16), "tensor 'w' has unknown dtype 'F128'" },
            { "negative shape", Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "shape entry that is not a non-negative integer" },
            { "huge shape", Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,8]}}", 8), "larger than the file" },
            { "shape and offsets disagree", Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8), "needs 12 bytes, but its offsets give 8" },
            { "offsets past the end", Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8), "outside the 8 data bytes" },
            { "offsets backwards", Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8), "outside the 8 data bytes" },
            { "overlapping offsets", Craft("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12), "tensors 'a' and 'b' overlap" },
            { "metadata not strings", Craft("{\"__metadata__\":{\"x\":1}}"), "__metadata__ entry 'x' is not a string" },
            { "a tensor without offsets", Craft("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "lacks a string dtype, a shape array or a data_offsets array" },
        };

        var headerFlip = (byte[])good.Clone();
        headerFlip[20] ^= 0x04;
        data.Add("a bit flipped in the header", headerFlip, "is not a valid safetensors file");
        var dataFlip = (byte[])good.Clone();
        dataFlip[^7] ^= 0x10;
        data.Add("a bit flipped in the data", dataFlip, "its data does not match the checksum in its header (the file is damaged)");
        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public async Task A_damaged_or_hostile_file_is_refused_with_a_clear_message(string what, byte[] bytes, string message)
    {
        using var temp = new TempFolder();
        string path = temp["file.safetensors"];
        await File.WriteAllBytesAsync(path, bytes);

        var reading = Task.Run(() => Record.Exception(() => Checkpoint.Load(path, new OddBert(20))));
        var e = await reading.WaitAsync(TimeSpan.FromSeconds(10)); // a hang fails here

        var input = Assert.IsType<InputException>(e);
        Assert.True(input.Message.Contains(message, StringComparison.Ordinal), $"{what}: {input.Message}");
        Assert.StartsWith($"'{path}'", input.Message);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Reading_a_hostile_file_allocates_no_more_than_the_file(string what, byte[] bytes, string message)
    {
        _ = message;
        var parse = () => SafeTensorsFile.Parse(bytes, "f");
        Record.Exception(parse); // warm up the JSON reader's pools
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Record.Exception(parse);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.IsType<InputException>(e);
        Assert.True(allocated <= bytes.Length + ParsingAllowance, $"{what}: {allocated} bytes allocated for a file of {bytes.Length}");
    }

    [Fact]
    public void A_checkpoint_with_a_non_finite_weight_is_refused_naming_the_tensor()
    {
        using var temp = new TempFolder();
        var model = new OddBert(20);
        var weights = new float[model.Parameters.Length];
        weights[model.Parameters["bert.pooler.dense.bias"].Offset + 2] = float.NaN;
        Checkpoint.Save(temp["nan.safetensors"], model, weights, 0);

        var e = Assert.Throws<InputException>(() => Checkpoint.Load(temp["nan.safetensors"], model));
        Assert.Contains("tensor 'bert.pooler.dense.bias' holds NaN at index 2", e.Message);
    }

    private static byte[] GoodCheckpoint()
    {
        using var temp = new TempFolder();
        var model = new OddBert(20);
        var weights = new float[model.Parameters.Length];
        Initializer.Initialize(model.Parameters, weights, new SeededRandom(4));
        Checkpoint.Save(temp["good.safetensors"], model, weights, 0);
        return File.ReadAllBytes(temp["good.safetensors"]);
    }

    private static byte[] WithLength(byte[] file, ulong length)
    {
        var copy = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy, length);
        return copy;
    }

    private static byte[] Craft(string header, int dataBytes = 0)
    {
        var text = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + text.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)text.Length);
        text.CopyTo(bytes, 8);
        return bytes;
    }
}
