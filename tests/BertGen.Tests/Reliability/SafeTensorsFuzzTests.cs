using System.Buffers.Binary;
using System.Diagnostics;
using BertGen.Captures;
using BertGen.Checkpoints;
using BertGen.Data;
using BertGen.Runs;
using BertGen.Tests.Support;

namespace BertGen.Tests.Reliability;

/// <summary>
/// A seeded mutation fuzzer over valid checkpoints, optimizer files and capture files (truncations, byte flips,
/// header edits, a false header length, junk appended), and a round-trip property of the writer and reader: a damaged
/// file is refused with an <see cref="InputException"/> and nothing else, and reading it allocates no more than a
/// bound of the file's size.
/// </summary>
public sealed class SafeTensorsFuzzTests
{
    private const int MutationsPerKind = 400;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);

    [Fact]
    public void A_mutated_checkpoint_optimizer_file_or_capture_is_refused_cleanly_within_a_memory_bound()
    {
        using var temp = new TempFolder();
        var run = TrainingRun.Start(OddBert.Definition, BertGen.Data.Corpus.Parse("a b c | d e | IsNext\nf g | h | NotNext\n", "fuzz"),
            new TrainingOptions { Epochs = 2, CaptureEpochs = [2] }, temp["run"], "fuzz");
        run.Train();
        var folder = run.Folder!;
        var model = run.Model;
        var kinds = new (string Name, byte[] Bytes, Action<string> Read)[]
        {
            ("checkpoint", File.ReadAllBytes(folder.CheckpointFile(2)), path => Checkpoint.Load(path, model)),
            ("optimizer", File.ReadAllBytes(OptimizerCheckpoint.PathFor(folder.CheckpointFile(2))),
                path => OptimizerCheckpoint.Load(path, model, new BertGen.Training.Adam<float>(model.Parameters.Length, new()), 2 * run.Trainer.Batches.Count)),
            ("capture", File.ReadAllBytes(folder.CaptureFile(2)), path =>
            {
                var capture = CaptureFile.Read(path, model.Config);
                foreach (var t in model.Activations)
                {
                    capture.Activation(t.Name, t.Layer, capture.SampleCount - 1);
                }

                capture.Input("input_ids", 0);
            }),
        };

        var random = new SeededRandom(20261201);
        var clock = Stopwatch.StartNew();
        int refused = 0, accepted = 0;
        foreach (var (name, bytes, read) in kinds)
        {
            read(Write(temp, name, bytes)); // the unmutated file is read
            for (int i = 0; i < MutationsPerKind && clock.Elapsed < Budget; i++)
            {
                var mutated = Mutate(bytes, random);
                string path = Write(temp, name, mutated);
                long before = GC.GetAllocatedBytesForCurrentThread();
                var e = Record.Exception(() => read(path));
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                if (e is null)
                {
                    accepted++; // a header edit that kept the file valid (a metadata value, say)
                }
                else
                {
                    Assert.True(e is InputException, $"{name} mutation {i}: {e.GetType().Name}: {e.Message}");
                    refused++;
                }

                Assert.True(allocated <= (4L * bytes.Length) + (1 << 20), $"{name} mutation {i}: {allocated} bytes allocated for a file of {mutated.Length}");
            }
        }

        Assert.True(refused > 3 * MutationsPerKind / 2, $"{refused} refused, {accepted} accepted");
    }

    [Fact]
    public void Any_tensors_and_metadata_written_read_back_the_same()
    {
        var random = new SeededRandom(7);
        string[] dtypes = ["F32", "F64", "I32"];
        for (int round = 0; round < 200; round++)
        {
            var tensors = new List<SafeTensorData>();
            var names = new HashSet<string>();
            for (int t = random.NextInt(6); t > 0; t--)
            {
                string tensorName = Text(random, 1 + random.NextInt(12));
                if (tensorName == "__metadata__" || !names.Add(tensorName))
                {
                    continue;
                }

                int[] shape = Enumerable.Range(0, random.NextInt(4)).Select(_ => random.NextInt(5)).ToArray();
                int count = shape.Aggregate(1, (a, b) => a * b);
                int offset = random.NextInt(3);
                tensors.Add(dtypes[random.NextInt(3)] switch
                {
                    "F32" => SafeTensorData.Of(tensorName, shape, Enumerable.Range(0, count + offset).Select(_ => (float)random.NextGaussian()).ToArray(), offset),
                    "F64" => SafeTensorData.Of(tensorName, shape, Enumerable.Range(0, count + offset).Select(_ => random.NextGaussian()).ToArray(), offset),
                    _ => SafeTensorData.Of(tensorName, shape, Enumerable.Range(0, count + offset).Select(_ => (int)random.NextUInt64()).ToArray(), offset),
                });
            }

            var metadata = Enumerable.Range(0, random.NextInt(4)).Select(_ => (Text(random, 1 + random.NextInt(8)), Text(random, random.NextInt(20))))
                .DistinctBy(m => m.Item1).Where(m => m.Item1 != SafeTensorsFile.DataHashKey).ToDictionary(m => m.Item1, m => m.Item2);

            var file = SafeTensorsFile.Parse(SafeTensorsFile.ToBytes(tensors, metadata), "round trip");

            Assert.Equal(tensors.Select(t => t.Name), file.Tensors.Select(t => t.Name));
            foreach (var (key, value) in metadata)
            {
                Assert.Equal(value, file.Metadata[key]);
            }

            foreach (var t in tensors)
            {
                var entry = file.Find(t.Name)!;
                Assert.Equal(t.Shape.Select(d => (long)d), entry.Shape);
                int count = (int)t.Count;
                if (t.Float32 is { } f)
                {
                    Assert.Equal(f.AsSpan(t.Offset, count).ToArray(), file.Float32(t.Name));
                }
                else if (t.Float64 is { } d)
                {
                    Assert.Equal(d.AsSpan(t.Offset, count).ToArray(), file.Float64(t.Name));
                }
                else
                {
                    Assert.Equal(t.Int32!.AsSpan(t.Offset, count).ToArray(), file.Int32(t.Name));
                }
            }
        }
    }

    private static byte[] Mutate(byte[] bytes, SeededRandom random)
    {
        var copy = (byte[])bytes.Clone();
        int header = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(bytes), (ulong)(bytes.Length - 8)) + 8;
        switch (random.NextInt(6))
        {
            case 0: // truncated anywhere
                return copy[..random.NextInt(copy.Length)];
            case 1: // bits flipped anywhere
                for (int n = 1 + random.NextInt(8); n > 0; n--)
                {
                    copy[random.NextInt(copy.Length)] ^= (byte)(1 << random.NextInt(8));
                }

                return copy;
            case 2: // the header edited: a byte replaced by one that JSON cares about
                for (int n = 1 + random.NextInt(3); n > 0; n--)
                {
                    copy[8 + random.NextInt(header - 8)] = "{}[],:\"0123456789-e. \\"u8[random.NextInt(22)];
                }

                return copy;
            case 3: // a false header length
                BinaryPrimitives.WriteUInt64LittleEndian(copy, random.NextInt(2) == 0 ? random.NextUInt64() : (ulong)random.NextInt(bytes.Length * 2));
                return copy;
            case 4: // a digit of the header changed (shapes, offsets)
                var digits = Enumerable.Range(8, header - 8).Where(i => copy[i] is >= (byte)'0' and <= (byte)'9').ToArray();
                copy[digits[random.NextInt(digits.Length)]] = (byte)('0' + random.NextInt(10));
                return copy;
            default: // junk appended
                return [.. copy, .. Enumerable.Range(0, 1 + random.NextInt(64)).Select(_ => (byte)random.NextInt(256))];
        }
    }

    private static string Write(TempFolder temp, string name, byte[] bytes)
    {
        string path = temp[name + ".safetensors"];
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Text(SeededRandom random, int length)
    {
        const string letters = "abcxyz019 ._-é\"\\/中\t";
        return new(Enumerable.Range(0, length).Select(_ => letters[random.NextInt(letters.Length)]).ToArray());
    }
}
