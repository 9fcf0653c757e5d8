using System.Buffers.Binary;
using System.Globalization;
using BertGen.Cli;
using BertGen.Demo;
using BertGen.Explore;
using BertGen.Runs;
using Microsoft.Playwright;

namespace BertGen.Browser.Tests;

/// <summary>One run trained for 60 epochs (captures at 0, 20 and 60), its page written, and a browser, for the view tests.</summary>
public sealed class ExplorerPageFixture : IAsyncLifetime
{
    private BrowserSession _session = null!;

    /// <summary>The run folder.</summary>
    public string Run => Path.Combine(_session.Folder, "run");

    /// <summary>The page bertgen report wrote.</summary>
    public string Page => Path.Combine(Run, "explorer.html");

    /// <summary>The run, read back.</summary>
    public Explorer Explorer { get; private set; } = null!;

    /// <summary>Chromium.</summary>
    public IBrowser Browser => _session.Browser;

    public async Task InitializeAsync()
    {
        _session = await BrowserSession.Start();
        var error = new StringWriter();
        Assert.True(BertGenApp.Run(["train", "--out", Run, "--epochs", "60", "--capture-epochs", "0,20,60"], [TinyBert.Definition], TextWriter.Null, error) == 0, error.ToString());
        Assert.True(BertGenApp.Run(["report", Run], [TinyBert.Definition], TextWriter.Null, error) == 0, error.ToString());
        Explorer = new Explorer(RunArchive.Open(Run));
    }

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }

    /// <summary>Opens the page at 1280x800 (a laptop's screen), with an optional fragment, failing on any script error.</summary>
    public async Task<IPage> Open(string fragment = "", int width = 1280, int height = 800)
    {
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(new Uri(Page).AbsoluteUri + fragment);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return page;
    }
}

/// <summary>
/// What the visual explorer shows beyond one tensor at a time, each checked against the capture's values: the model drawn
/// with its arrows' shapes, every head's attention and a head's lines, the epochs as a film and one against another, the
/// embedding map against its PCA, the article's tables, readable numbers and legends, linked views, the loss chart's
/// axes, and the view saved as an image.
/// </summary>
public sealed class ExplorerViewTests(ExplorerPageFixture fixture) : IClassFixture<ExplorerPageFixture>
{
    [Fact]
    public async Task The_model_is_drawn_as_blocks_joined_by_arrows_that_carry_the_tensors_shapes_and_fits_a_laptop_screen()
    {
        var page = await fixture.Open();
        var catalog = fixture.Explorer.Catalog(60).ToDictionary(e => e.Name);
        var arrows = page.Locator("#model .arrow");
        int count = await arrows.CountAsync();
        Assert.True(count >= 15, $"{count} arrows");
        for (int i = 0; i < count; i++)
        {
            string tensor = (await arrows.Nth(i).GetAttributeAsync("data-tensor"))!;
            Assert.Equal(catalog[tensor].ShapeText, await arrows.Nth(i).GetAttributeAsync("data-shape"));
            Assert.Equal($"{tensor} {catalog[tensor].ShapeText}", await arrows.Nth(i).TextContentAsync());
        }

        Assert.Contains("[14, 7]", await page.Locator("#model .arrow[data-tensor='enc_output']").First.TextContentAsync());

        // The five heads of a layer side by side, in one row.
        var heads = page.Locator("#model .stage.layer").First.Locator(".head");
        Assert.Equal(5, await heads.CountAsync());
        var boxes = new List<LocatorBoundingBoxResult>();
        for (int h = 0; h < 5; h++)
        {
            boxes.Add((await heads.Nth(h).BoundingBoxAsync())!);
        }

        Assert.All(boxes, b => Assert.Equal(boxes[0].Y, b.Y, 1));
        Assert.True(boxes.Zip(boxes.Skip(1)).All(p => p.Second.X > p.First.X), "the heads run left to right");

        // At 1280x800 the model and the detail panel sit side by side, both on the screen.
        var model = (await page.Locator("#model").BoundingBoxAsync())!;
        var detail = (await page.Locator("#detail").BoundingBoxAsync())!;
        Assert.True(model.X + model.Width <= detail.X && detail.X + detail.Width <= 1280, $"model {model.X}+{model.Width}, detail {detail.X}+{detail.Width}");
        Assert.Equal(0, await page.EvaluateAsync<int>("document.documentElement.scrollWidth - document.documentElement.clientWidth"));
    }

    [Fact]
    public async Task Every_head_of_a_layer_shows_at_once_and_the_chosen_head_as_lines_weighted_by_attention()
    {
        var page = await fixture.Open();
        await page.SelectOptionAsync("#sample", "1");
        await page.SelectOptionAsync("#attention-layer", "1");
        for (int h = 0; h < 5; h++)
        {
            var attn = fixture.Explorer.Tensor(new TensorQuery(1, 60, "attn", Layer: 1, Head: h));
            string shown = (await page.Locator($"#head-grid .grid-head[data-head='{h}'] td[data-i='2'][data-j='3']").GetAttributeAsync("data-value"))!;
            Assert.Equal(attn[2, 3], float.Parse(shown, CultureInfo.InvariantCulture));
        }

        await page.ClickAsync("#head-grid .grid-head[data-head='2']");
        var expected = fixture.Explorer.Tensor(new TensorQuery(1, 60, "attn", Layer: 1, Head: 2));
        var line = page.Locator("#head-view line[data-i='4'][data-j='0']");
        Assert.Equal(expected[4, 0], float.Parse((await line.GetAttributeAsync("data-weight"))!, CultureInfo.InvariantCulture));
        Assert.Equal(Math.Clamp(expected[4, 0], 0, 1), double.Parse((await line.GetAttributeAsync("stroke-opacity"))!, CultureInfo.InvariantCulture), 4);
        Assert.Equal(14 * 14, await page.Locator("#head-view line").CountAsync());
        Assert.Contains("layer 1, head 2", await page.TextContentAsync("#head-view-title"));
    }

    [Fact]
    public async Task The_play_button_runs_the_epochs_to_the_last_and_an_epoch_compares_with_another()
    {
        var page = await fixture.Open("#sample=1&epoch=0");
        Assert.Equal("0", await page.TextContentAsync("#epoch-value"));
        await page.ClickAsync("#play");
        await page.WaitForFunctionAsync("document.getElementById('epoch-value').textContent === '60'", null, new PageWaitForFunctionOptions { Timeout = 15000 });
        await page.WaitForFunctionAsync("document.getElementById('play').textContent.includes('Play')", null, new PageWaitForFunctionOptions { Timeout = 5000 });

        // Figure 14 against Figure 13: the embedding at epoch 60 minus at epoch 0.
        await page.ClickAsync("[data-block='emb.embedding']");
        await page.SelectOptionAsync("#compare", "0");
        var tables = page.Locator("#detail-tables table.heat");
        Assert.Equal(2, await tables.CountAsync());
        var now = fixture.Explorer.Tensor(new TensorQuery(1, 60, "embedding"));
        var then = fixture.Explorer.Tensor(new TensorQuery(1, 0, "embedding"));
        var cells = await tables.Nth(1).Locator("tbody td").AllTextContentsAsync();
        int scale = int.Parse((await tables.Nth(1).GetAttributeAsync("data-scale"))!, CultureInfo.InvariantCulture);
        for (int i = 0; i < cells.Count; i++)
        {
            AssertShown(now.Values[i] - then.Values[i], cells[i], scale);
        }

        Assert.Contains("epoch 60 minus epoch 0", await page.Locator("#detail-tables h3").Nth(1).TextContentAsync());
        Assert.Contains("compare=0", page.Url);
    }

    [Fact]
    public async Task The_embedding_map_places_each_word_where_the_principal_components_put_it_at_the_epoch_shown()
    {
        var page = await fixture.Open();
        var map = EmbeddingMap.Create(RunArchive.Open(fixture.Run));
        foreach (var (epoch, frame) in new[] { ("0", map.Frames[0]), ("2", map.Frames[2]) })
        {
            await page.FocusAsync("#epoch");
            await page.Keyboard.PressAsync(epoch == "0" ? "Home" : "End");
            foreach (string word in new[] { "cat", "milk", "stars" })
            {
                int w = map.Words.ToList().IndexOf(word);
                var point = page.Locator($"#embedding-map circle[data-word='{word}']");
                Assert.Equal(frame.X[w], double.Parse((await point.GetAttributeAsync("data-x"))!, CultureInfo.InvariantCulture));
                Assert.Equal(frame.Y[w], double.Parse((await point.GetAttributeAsync("data-y"))!, CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(map.Words.Count, await page.Locator("#embedding-map circle").CountAsync());
        Assert.Contains("of the variance", await page.TextContentAsync("#map-note"));
    }

    [Fact]
    public async Task The_articles_number_dictionary_and_masked_words_are_tables_and_logits_lm_reads_without_scrolling()
    {
        var page = await fixture.Open();
        var dictionary = page.Locator("#figure-tables table").Filter(new LocatorFilterOptions { HasText = "Figure 7" });
        Assert.Equal(1, await dictionary.CountAsync());
        var words = fixture.Explorer.Run.Vocabulary.Tokens;
        Assert.Equal(words.Count, await dictionary.Locator("tbody tr").CountAsync());
        Assert.Contains("chase", await dictionary.TextContentAsync());
        var masked = page.Locator("#figure-tables table").Filter(new LocatorFilterOptions { HasText = "Figure 8" });
        Assert.Equal(6, await masked.Locator("tbody tr").CountAsync());

        await page.ClickAsync("[data-block='out.logits_lm']");
        var table = page.Locator("#detail-tables table.heat.top");
        Assert.Equal(1, await table.CountAsync());
        var logits = fixture.Explorer.Tensor(new TensorQuery(0, 60, "logits_lm"));
        int best = Enumerable.Range(0, logits.Columns).MaxBy(c => logits[0, c]);
        Assert.Equal(logits.ColumnLabels[best], await table.Locator("tbody tr").First.Locator("td").First.GetAttributeAsync("data-word"));
        Assert.Equal(8, await table.Locator("tbody tr").First.Locator("td").CountAsync());
        var box = (await table.BoundingBoxAsync())!;
        var detail = (await page.Locator("#detail").BoundingBoxAsync())!;
        Assert.True(box.X + box.Width <= detail.X + detail.Width, $"the table ({box.Width} wide) fits the panel ({detail.Width})");
        await page.CheckAsync("#all-words");
        Assert.Equal(42, await page.Locator("#detail-tables table.heat tbody tr").First.Locator("td").CountAsync());
    }

    [Fact]
    public async Task Gradients_keep_their_digits_under_a_shared_scale_and_every_heatmap_has_a_legend()
    {
        var page = await fixture.Open("#sample=0&epoch=60");
        await page.ClickAsync("[data-block='W.bert.encoder.layer.1.attention.self.key.weight']");
        var gradient = fixture.Explorer.Tensor(new TensorQuery(0, 60, "bert.encoder.layer.1.attention.self.key.weight.grad"));
        var table = page.Locator("#detail-tables table.heat").Nth(1);
        int scale = int.Parse((await table.GetAttributeAsync("data-scale"))!, CultureInfo.InvariantCulture);
        Assert.Equal(NumberFormat.For(gradient.Values, 3, false).Exponent, scale);
        Assert.True(scale < 0, $"the gradients are small: scale 1e{scale}");
        var cells = await table.Locator("tbody td").AllTextContentsAsync();
        Assert.DoesNotContain("0.000", cells.Where((_, i) => Math.Abs(gradient.Values[i]) > 1e-3 * Math.Pow(10, scale)));
        for (int i = 0; i < cells.Count; i++)
        {
            AssertShown(gradient.Values[i], cells[i], scale);
        }

        Assert.Equal(await page.Locator("#detail-tables table.heat").CountAsync(), await page.Locator("#detail-tables .legend").CountAsync());
        Assert.Contains($"× 1e{scale}", await page.Locator("#detail-tables .legend").Nth(1).TextContentAsync());
    }

    [Fact]
    public async Task A_linked_view_opens_its_block_scrolled_into_sight_and_highlighted()
    {
        var page = await fixture.Open("#sample=2&epoch=20&block=L1.h4.ctx");
        var block = page.Locator("[data-block='L1.h4.ctx']");
        Assert.Contains("selected", await block.GetAttributeAsync("class"));
        Assert.Contains("flash", await block.GetAttributeAsync("class"));
        var box = (await block.BoundingBoxAsync())!;
        var header = (await page.Locator("header").BoundingBoxAsync())!;
        Assert.True(box.Y >= header.Y + header.Height && box.Y + box.Height <= 800, $"the block is at y {box.Y}, below a header that ends at {header.Y + header.Height}");
        Assert.Equal("ctx, layer 1, head 4 — sample 2, epoch 20 [14, 4]", await page.TextContentAsync("#detail-title"));
    }

    [Fact]
    public async Task The_loss_chart_has_labelled_axes_with_ticks_and_says_it_is_a_log_scale()
    {
        var page = await fixture.Open();
        Assert.Equal(["epoch", "loss (log scale)"], await page.Locator("#loss-chart .axis-label").AllTextContentsAsync());
        var labels = await page.Locator("#loss-chart .tick-label").AllTextContentsAsync();
        Assert.Contains("0", labels);
        Assert.Contains("60", labels);
        Assert.True(labels.Count(l => l.StartsWith("1e", StringComparison.Ordinal)) >= 2, string.Join(", ", labels));
    }

    [Fact]
    public async Task The_view_saves_as_a_png_and_as_an_svg()
    {
        var page = await fixture.Open("#sample=0&epoch=60&block=L0.h1.attn");
        var png = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#save-png"));
        Assert.EndsWith(".png", png.SuggestedFilename);
        var bytes = await File.ReadAllBytesAsync((await png.PathAsync())!);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }, bytes[..8]);
        Assert.True(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)) >= 400 && BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)) >= 100, "the picture has a size");

        var svg = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#save-svg"));
        Assert.EndsWith(".svg", svg.SuggestedFilename);
        string text = await File.ReadAllTextAsync((await svg.PathAsync())!);
        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"", text);
        Assert.Equal(14 * 14, text.Split("<rect x=").Length - 1);
        Assert.Contains("attn, layer 0, head 1", text);
    }

    /// <summary>A cell shows the value divided by its table's power of ten, to three decimals.</summary>
    private static void AssertShown(double value, string cell, int scale)
    {
        double shown = double.Parse(cell, CultureInfo.InvariantCulture);
        double expected = value / Math.Pow(10, scale);
        Assert.True(Math.Abs(shown - expected) <= 0.0005 + 1e-9, $"{cell} for {value} (scale 1e{scale})");
    }
}
