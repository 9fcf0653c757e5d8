using System.Globalization;
using BertGen.Cli;
using BertGen.Demo;
using BertGen.Explore;
using BertGen.Runs;
using Microsoft.Playwright;

namespace BertGen.Browser.Tests;

/// <summary>
/// The visual explorer in a real browser (Debian's Chromium, driven by Playwright): a page freshly written by
/// <c>bertgen report</c> is opened from the file system and clicked through like a person would.
/// </summary>
public sealed class ExplorerPageTests : IAsyncLifetime
{
    private BrowserSession _session = null!;

    public async Task InitializeAsync() => _session = await BrowserSession.Start();

    public async Task DisposeAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_attention_heatmap_shows_the_captured_values_of_the_chosen_sample_epoch_and_head()
    {
        string run = Train("run", "--epochs", "60", "--capture-epochs", "0,20,60");
        string page = Report(run);
        var browser = await Open(page);

        await browser.SelectOptionAsync("#sample", "0");
        await browser.FocusAsync("#epoch");
        await browser.Keyboard.PressAsync("Home");
        Assert.Equal("0", await browser.TextContentAsync("#epoch-value"));
        await browser.Keyboard.PressAsync("End");
        Assert.Equal("60", await browser.TextContentAsync("#epoch-value"));
        await browser.ClickAsync("[data-block='L1.h2.attn']");

        Assert.Equal("attn, layer 1, head 2 — sample 0, epoch 60 [14, 14]", await browser.TextContentAsync("#detail-title"));
        var explorer = new Explorer(RunArchive.Open(run));
        var expected = explorer.Tensor(new TensorQuery(0, 60, "attn", Layer: 1, Head: 2));
        var cells = await browser.Locator("#detail-tables table.heat tbody td").AllTextContentsAsync();
        Assert.Equal(14 * 14, cells.Count);
        for (int i = 0; i < cells.Count; i++)
        {
            Assert.Equal(Shown(expected.Values[i]), cells[i]);
        }

        var rowLabels = await browser.Locator("#detail-tables table.heat tbody th").AllTextContentsAsync();
        Assert.Equal(explorer.Tokens(0, 60), rowLabels);
        await browser.HoverAsync("#detail-tables table.heat tbody tr:nth-child(1) td:nth-child(2)");
        Assert.StartsWith($"{expected.RowLabels[0]} × {expected.ColumnLabels[0]}: ", await browser.TextContentAsync("#pointer"));

        await browser.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(AppContext.BaseDirectory, "screenshots", "explorer.png"), FullPage = true });
    }

    [Fact]
    public async Task A_weight_block_shows_its_gradient_beside_it_and_the_page_follows_sample_and_epoch()
    {
        string run = Train("run", "--epochs", "30", "--capture-epochs", "0,30");
        var browser = await Open(Report(run));
        var explorer = new Explorer(RunArchive.Open(run));

        await browser.SelectOptionAsync("#sample", "3");
        await browser.ClickAsync("[data-block='W.bert.encoder.layer.0.attention.self.query.weight']");
        var tables = browser.Locator("#detail-tables table.heat");
        Assert.Equal(2, await tables.CountAsync());
        Assert.Equal(["weight", "gradient"], await browser.Locator("#detail-tables h3").AllTextContentsAsync());
        var gradient = explorer.Tensor(new TensorQuery(3, 30, "bert.encoder.layer.0.attention.self.query.weight.grad"));
        var shown = await tables.Nth(1).Locator("tbody td").AllTextContentsAsync();
        int scale = int.Parse((await tables.Nth(1).GetAttributeAsync("data-scale"))!, CultureInfo.InvariantCulture);
        Assert.Equal(NumberFormat.For(gradient.Values, 3, false).Exponent, scale);
        Assert.Equal(gradient.Values.Length, shown.Count);
        for (int i = 0; i < shown.Count; i++)
        {
            double value = gradient.Values[i] / Math.Pow(10, scale);
            Assert.True(Math.Abs(double.Parse(shown[i], CultureInfo.InvariantCulture) - value) <= 0.0005 + 1e-9, $"{shown[i]} for {gradient.Values[i]}");
        }

        // The summary follows the epoch: at epoch 30 it shows that epoch's predictions.
        var predicted = await browser.Locator("#summary tbody tr:nth-child(4) td:nth-child(3)").TextContentAsync();
        var expected = explorer.Tensor(new TensorQuery(3, 30, "pred_lm"));
        Assert.StartsWith(((int)expected.Values[0]).ToString(CultureInfo.InvariantCulture) + " (", predicted);
        Assert.Contains("#sample=3&epoch=30&block=W.bert.encoder.layer.0.attention.self.query.weight", browser.Url);
    }

    [Fact]
    public async Task Corpus_text_is_shown_as_text_and_never_runs()
    {
        string corpus = Path.Combine(_session.Folder, "hostile.txt");
        Directory.CreateDirectory(_session.Folder);
        await File.WriteAllTextAsync(corpus, "The <img src=x onerror=alert(1)> chased us | <script>alert(2)</script> ran | NotNext\nThe cat sat | it was fast | IsNext\n");
        string run = Train("hostile", "--corpus", corpus, "--epochs", "3", "--capture-epochs", "0,3");
        var browser = await Open(Report(run));
        var dialogs = new List<string>();
        browser.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };

        await browser.ClickAsync("[data-block='emb.embedding']");
        await browser.SelectOptionAsync("#sample", "0");

        Assert.Empty(dialogs);
        Assert.Equal(0, await browser.Locator("main img, header img, #charts img, main script").CountAsync());
        Assert.Contains("The <img src=x onerror=alert(1)> chased us <script>alert(2)</script> ran", await browser.Locator("#sample option").First.TextContentAsync());
        await browser.ClickAsync("[data-block='W.bert.embeddings.word_embeddings.weight']");
        var words = await browser.Locator("#detail-tables table.heat").First.Locator("tbody th").AllTextContentsAsync();
        Assert.Contains("<img", words);
        Assert.Contains("onerror=alert(1)>", words);
        Assert.Contains("<script>alert(2)</script>", words);
        Assert.Empty(dialogs);
    }

    [Fact]
    public async Task The_page_needs_no_network_and_stays_small()
    {
        string run = Train("run", "--capture-epochs", "0,1,3,10,30,100,300,1000,3000,5000");
        string page = Report(run);
        var requests = new List<string>();
        var browser = await _session.Browser.NewPageAsync();
        browser.Request += (_, request) => requests.Add(request.Url);
        await browser.GotoAsync(new Uri(page).AbsoluteUri);
        await browser.ClickAsync("[data-block='out.probs_lm']");

        Assert.All(requests, url => Assert.StartsWith("file://", url));
        Assert.True(new FileInfo(page).Length < 5 * 1024 * 1024, $"the default run's page is {new FileInfo(page).Length} bytes");
    }

    private static string Shown(float value)
    {
        if (value <= -1e8f)
        {
            return "-1e9";
        }

        // As the page's toFixed(3) writes it: the double nearest the float, rounded half away from zero.
        string text = Math.Round((double)value, 3, MidpointRounding.AwayFromZero).ToString("F3", CultureInfo.InvariantCulture);
        return text == "-0.000" ? "0.000" : text;
    }

    private string Train(string name, params string[] options)
    {
        string path = Path.Combine(_session.Folder, name);
        var error = new StringWriter();
        int code = BertGenApp.Run(["train", "--out", path, .. options], [TinyBert.Definition], TextWriter.Null, error);
        Assert.True(code == 0, error.ToString());
        return path;
    }

    private static string Report(string run)
    {
        var error = new StringWriter();
        int code = BertGenApp.Run(["report", run], [TinyBert.Definition], TextWriter.Null, error);
        Assert.True(code == 0, error.ToString());
        return Path.Combine(run, "explorer.html");
    }

    private async Task<IPage> Open(string path)
    {
        var page = await _session.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1500, Height = 1000 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await page.GotoAsync(new Uri(path).AbsoluteUri);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        return page;
    }
}
