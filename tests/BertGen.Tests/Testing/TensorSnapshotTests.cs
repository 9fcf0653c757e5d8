using BertGen.Explore;
using BertGen.Testing;
using BertGen.Tests.Support;

namespace BertGen.Tests.Testing;

/// <summary>The snapshot harness of BertGen.Testing: its file format, its tolerance, its modes and its messages.</summary>
public sealed class TensorSnapshotTests : IDisposable
{
    private static readonly ModelConfig Config = new("TinyBert", 14, 6, 2, 2, 5, 7, 28, 4, 2, true, true, 1e-5, 42);

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_snapshot_file_reads_back_as_the_labels_and_bits_it_was_written_from()
    {
        string[] rows = ["[CLS]", "@2 cat", "", "say \"hi\"", "#tag"];
        string[] columns = ["a", "b c", "d"];
        float[] values = [0.1f, -1e9f, 1.17549435e-38f, float.NaN, float.PositiveInfinity, -0f, 1e-45f, 3.4028235e38f, 0.333333343f, 12f, -7.25f, 1e-7f, 2f, 0.5f, float.Epsilon];
        var tensor = SnapshotTensor.From(View("attn", rows, columns, values, layer: 1, head: 2));

        var read = Assert.Single(SnapshotDocument.Parse(SnapshotDocument.Write([tensor]), "t"));

        Assert.Equal(tensor.Header, read.Header);
        Assert.Equal(rows, read.RowLabels);
        Assert.Equal(columns, read.ColumnLabels);
        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), read.Values.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void The_file_has_a_header_a_person_can_read_and_the_tokens_as_labels()
    {
        var settings = Settings(SnapshotMode.Accept);
        TensorSnapshot.Match(View("attn", ["[CLS]", "the"], ["[CLS]", "the"], [0.25f, 0.75f, 0.5f, 0.5f], layer: 0, head: 2), "header", settings);

        var lines = File.ReadAllLines(_temp["header.approved.txt"]);
        Assert.Contains("tensor: attn", lines);
        Assert.Contains("layer: 0", lines);
        Assert.Contains("head: 2", lines);
        Assert.Contains("sample: 0", lines);
        Assert.Contains("epoch: 10", lines);
        Assert.Contains("shape: [2, 2]", lines);
        Assert.Contains(lines, l => l.StartsWith("model: {\"name\":\"TinyBert\",\"maxLen\":14", StringComparison.Ordinal));
        Assert.Contains("\"\"     [CLS]  the", lines);
        Assert.Contains("[CLS]  0.25   0.75", lines);
    }

    [Fact]
    public void A_value_moved_by_less_than_the_tolerance_passes()
    {
        var settings = Settings(SnapshotMode.Accept);
        TensorSnapshot.Match(Square(0.5f), "near", settings);

        // 0.5 + 1e-6 + 1e-5 * 0.5 is the edge; 3e-6 lies inside it.
        TensorSnapshot.Match(Square(0.5f + 3e-6f), "near", settings with { Mode = SnapshotMode.Strict });

        Assert.False(File.Exists(_temp["near.received.txt"]));
    }

    [Fact]
    public void A_value_moved_by_more_than_the_tolerance_fails_naming_its_cell()
    {
        TensorSnapshot.Match(Square(0.5f), "far", Settings(SnapshotMode.Accept));

        var e = Assert.Throws<SnapshotMismatchException>(() => TensorSnapshot.Match(Square(0.5f + 1e-4f), "far", Settings(SnapshotMode.Strict)));

        Assert.Contains("attn, layer 0, head 2, sample 0, epoch 10: 1 of 4 cells differ by more than 1E-06 + 1E-05 x |expected|:", e.Message);
        Assert.Contains("  layer  head  row    column  expected  actual  difference\n  0      2     [CLS]  the     0.5       0.5001  0.0001\n", e.Message);
        Assert.Contains("far.received.txt", e.Message);
        Assert.True(File.Exists(_temp["far.received.txt"]));
    }

    [Fact]
    public void A_tolerance_given_per_call_is_the_one_used()
    {
        TensorSnapshot.Match(Square(0.5f), "loose", Settings(SnapshotMode.Accept));

        TensorSnapshot.Match(Square(0.5f + 1e-4f), "loose", Settings(SnapshotMode.Strict) with { AbsoluteTolerance = 1e-3 });
        Assert.Throws<SnapshotMismatchException>(() => TensorSnapshot.Match(Square(0.5f + 1e-4f), "loose", Settings(SnapshotMode.Strict) with { RelativeTolerance = 0 }));
    }

    [Fact]
    public void A_missing_snapshot_fails_in_strict_mode_and_leaves_the_received_file()
    {
        var e = Assert.Throws<SnapshotMismatchException>(() => TensorSnapshot.Match(Square(0.5f), "missing", Settings(SnapshotMode.Strict)));

        Assert.Contains("There is no approved snapshot", e.Message);
        Assert.Contains("strict mode", e.Message);
        Assert.True(File.Exists(_temp["missing.received.txt"]));
        Assert.False(File.Exists(_temp["missing.approved.txt"]));
    }

    [Fact]
    public void A_missing_snapshot_outside_CI_writes_the_received_file_for_approval()
    {
        var e = Assert.Throws<SnapshotMismatchException>(() => TensorSnapshot.Match(Square(0.5f), "new", Settings(SnapshotMode.Compare)));

        Assert.Contains("rename it to new.approved.txt", e.Message);
        Assert.Equal(SnapshotDocument.Write([SnapshotTensor.From(Square(0.5f))]), File.ReadAllText(_temp["new.received.txt"]));
    }

    [Fact]
    public void Accept_mode_replaces_the_approved_file()
    {
        TensorSnapshot.Match(Square(0.5f), "accept", Settings(SnapshotMode.Accept));
        TensorSnapshot.Match(Square(0.9f), "accept", Settings(SnapshotMode.Accept));

        TensorSnapshot.Match(Square(0.9f), "accept", Settings(SnapshotMode.Strict));
        Assert.Throws<SnapshotMismatchException>(() => TensorSnapshot.Match(Square(0.5f), "accept", Settings(SnapshotMode.Strict)));
    }

    [Fact]
    public void Shapes_that_differ_fail_with_both()
    {
        TensorSnapshot.Match(View("attn", ["[CLS]", "the"], ["[CLS]", "the"], [1, 2, 3, 4]), "shape", Settings(SnapshotMode.Accept));

        var e = Assert.Throws<SnapshotMismatchException>(() =>
            TensorSnapshot.Match(View("attn", ["[CLS]"], ["[CLS]", "the"], [1, 2]), "shape", Settings(SnapshotMode.Strict)));

        Assert.Contains("shape: approved [2, 2], received [1, 2]", e.Message);
    }

    [Fact]
    public void Labels_that_differ_fail_with_both()
    {
        TensorSnapshot.Match(View("attn", ["[CLS]", "the"], ["[CLS]", "the"], [1, 2, 3, 4]), "labels", Settings(SnapshotMode.Accept));

        var e = Assert.Throws<SnapshotMismatchException>(() =>
            TensorSnapshot.Match(View("attn", ["[CLS]", "cat"], ["[CLS]", "cat"], [1, 2, 3, 4]), "labels", Settings(SnapshotMode.Strict)));

        Assert.Contains("the labels differ", e.Message);
        Assert.Contains("approved 2 rows [[CLS], the] x 2 columns [[CLS], the]", e.Message);
        Assert.Contains("received 2 rows [[CLS], cat] x 2 columns [[CLS], cat]", e.Message);
    }

    [Fact]
    public void A_named_set_keeps_its_tensors_in_order_and_checks_each()
    {
        TensorSnapshot.Match([Square(0.5f), View("embedding", ["[CLS]"], ["0", "1"], [1, 2], layer: null, head: null)], "set", Settings(SnapshotMode.Accept));

        var e = Assert.Throws<SnapshotMismatchException>(() =>
            TensorSnapshot.Match([Square(0.5f), View("embedding", ["[CLS]"], ["0", "1"], [1, 3], layer: null, head: null)], "set", Settings(SnapshotMode.Strict)));

        Assert.Contains("embedding, sample 0, epoch 10: 1 of 2 cells differ", e.Message);
        Assert.DoesNotContain("attn", e.Message);
    }

    [Fact]
    public void A_text_snapshot_names_the_first_line_that_differs()
    {
        TensorSnapshot.MatchText("a\nb\nc\n", "text", Settings(SnapshotMode.Accept));

        var e = Assert.Throws<SnapshotMismatchException>(() => TensorSnapshot.MatchText("a\nB\nc\n", "text", Settings(SnapshotMode.Strict)));

        Assert.Contains("first at line 2", e.Message);
        Assert.Contains("approved: b", e.Message);
        Assert.Contains("received: B", e.Message);
    }

    [Theory]
    [InlineData(new string[0], SnapshotMode.Compare)]
    [InlineData(new[] { "CI=true" }, SnapshotMode.Strict)]
    [InlineData(new[] { "CI=1" }, SnapshotMode.Strict)]
    [InlineData(new[] { "CI=false" }, SnapshotMode.Compare)]
    [InlineData(new[] { "BERTGEN_SNAPSHOT_STRICT=1" }, SnapshotMode.Strict)]
    [InlineData(new[] { "BERTGEN_SNAPSHOT_ACCEPT=1" }, SnapshotMode.Accept)]
    [InlineData(new[] { "CI=true", "BERTGEN_SNAPSHOT_ACCEPT=true" }, SnapshotMode.Accept)]
    [InlineData(new[] { "BERTGEN_SNAPSHOT_ACCEPT=0" }, SnapshotMode.Compare)]
    public void The_environment_chooses_the_mode_and_CI_makes_it_strict(string[] variables, SnapshotMode expected)
    {
        var environment = variables.Select(v => v.Split('=')).ToDictionary(v => v[0], v => v[1]);

        Assert.Equal(expected, SnapshotSettings.ModeOf(name => environment.GetValueOrDefault(name)));
        Assert.Equal(SnapshotMode.Accept, new SnapshotSettings { Mode = SnapshotMode.Accept }.EffectiveMode);
    }

    private SnapshotSettings Settings(SnapshotMode mode) => new() { Directory = _temp.Path, Mode = mode };

    private static TensorView Square(float corner) => View("attn", ["[CLS]", "the"], ["[CLS]", "the"], [0.25f, corner, 0.5f, 0.5f]);

    private static TensorView View(string name, string[] rows, string[] columns, float[] values, int? layer = 0, int? head = 2) =>
        new(new TensorSource(name, layer, head, 0, 10, [rows.Length, columns.Length], Config), values, rows, columns, heatmap: false, integers: false);
}
