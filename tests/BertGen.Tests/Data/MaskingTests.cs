using BertGen.Data;

namespace BertGen.Tests.Data;

public sealed class MaskingTests
{
    [Fact]
    public void Samples_are_CLS_first_SEP_second_SEP_padded_with_segment_ids()
    {
        var data = TrainingData.Create(Corpus.Default, "default", maxLen: 14, maxPred: 2, new SeededRandom(1));
        var vocabulary = data.Vocabulary;
        var sample = data.Samples[2]; // Buy me some milk. Please visit the shop.

        var unmasked = (int[])sample.InputIds.Clone();
        for (int m = 0; m < sample.MaskedPositions.Length; m++)
        {
            if (sample.MaskedTokens[m] != Vocabulary.Pad)
            {
                unmasked[sample.MaskedPositions[m]] = sample.MaskedTokens[m];
            }
        }

        Assert.Equal("[CLS] buy me some milk [SEP] please visit the shop [SEP] [PAD] [PAD] [PAD]", vocabulary.Decode(unmasked));
        Assert.Equal([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0], sample.SegmentIds);
        Assert.True(sample.IsNext);
        Assert.Equal("Buy me some milk. Please visit the shop.", sample.Text);
    }

    [Theory]
    [InlineData(2, "a b | c | IsNext", 1)] // 6 tokens: round(0.9) = 1
    [InlineData(2, "a b c d e | f g h i j | IsNext", 2)] // 13 tokens: round(1.95) = 2
    [InlineData(5, "a b c d e f g h i j k l | m n o p q r s | IsNext", 3)] // 22 tokens: round(3.3) = 3
    [InlineData(5, "a b c d e f g h i j k l m n o p | q r s t u v w x y z aa | IsNext", 4)] // 30 tokens: round(4.5) = 4 (to even)
    [InlineData(1, "a b c d e | f g h i j | IsNext", 1)] // capped by maxPred
    public void Masked_count_is_fifteen_percent_of_real_tokens_rounded_between_one_and_maxPred(int maxPred, string line, int expected)
    {
        var data = TrainingData.Create(Corpus.Parse(line, "t"), "t", maxLen: 32, maxPred: maxPred, new SeededRandom(5));
        var sample = data.Samples[0];

        Assert.Equal(expected, sample.MaskedTokens.Count(t => t != Vocabulary.Pad));
        Assert.All(sample.MaskedPositions.Skip(expected), p => Assert.Equal(0, p));
        Assert.All(sample.MaskedTokens.Skip(expected), t => Assert.Equal(Vocabulary.Pad, t));
    }

    [Fact]
    public void Masks_fall_on_words_only_and_follow_the_80_10_10_rule()
    {
        var pairs = Corpus.Parse("a b c d e f g h | i j k l m n o | IsNext", "t");
        var random = new SeededRandom(11);
        int masked = 0, replaced = 0, kept = 0;
        for (int round = 0; round < 4000; round++)
        {
            var sample = TrainingData.Create(pairs, "t", maxLen: 20, maxPred: 3, random).Samples[0];
            for (int m = 0; m < 3; m++)
            {
                int at = sample.MaskedPositions[m];
                Assert.NotEqual(0, at); // never [CLS]
                Assert.True(sample.MaskedTokens[m] >= Vocabulary.FirstWord, "a masked slot holds a word");
                int now = sample.InputIds[at];
                Assert.True(now >= Vocabulary.Mask, "never [PAD], [CLS] or [SEP] in a masked slot");
                if (now == Vocabulary.Mask)
                {
                    masked++;
                }
                else if (now == sample.MaskedTokens[m])
                {
                    kept++;
                }
                else
                {
                    replaced++;
                }
            }
        }

        // 12000 draws: 80% / 10% / 10%, plus the random words that happen to equal the masked one (1 in 15 of 10%).
        double total = masked + replaced + kept;
        Assert.InRange(masked / total, 0.79, 0.81);
        Assert.InRange(replaced / total, 0.085, 0.105);
        Assert.InRange(kept / total, 0.095, 0.115);
    }

    [Fact]
    public void The_same_seed_masks_the_same_way()
    {
        var unpinned = Corpus.Default.Select(p => p with { Pins = null }).ToList();
        var a = TrainingData.Create(unpinned, "d", 14, 2, new SeededRandom(42)).Samples;
        var b = TrainingData.Create(unpinned, "d", 14, 2, new SeededRandom(42)).Samples;
        var c = TrainingData.Create(unpinned, "d", 14, 2, new SeededRandom(43)).Samples;

        Assert.Equal(a.Select(s => s.InputIds), b.Select(s => s.InputIds));
        Assert.NotEqual(a.SelectMany(s => s.InputIds), c.SelectMany(s => s.InputIds));
    }

    [Fact]
    public void The_default_corpus_masks_the_articles_words()
    {
        var data = TrainingData.Create(Corpus.Default, "default", 14, 2, new SeededRandom(1));

        // Figures 6, 8 and 17 (the first four samples) and Figure 1 (the fifth).
        Assert.Equal(
            [
                "[CLS] the [MASK] chased the mouse [SEP] it was a fast [MASK] [SEP] [PAD]",
                "[CLS] i need to [MASK] milk [SEP] please [MASK] to the store [SEP] [PAD]",
                "[CLS] buy me some [MASK] [SEP] please visit the [MASK] [SEP] [PAD] [PAD] [PAD]",
                "[CLS] the [MASK] ran quickly [SEP] it was too [MASK] [SEP] [PAD] [PAD] [PAD]",
                "[CLS] the [MASK] is hot [SEP] the [MASK] are bright [SEP] [PAD] [PAD] [PAD]",
                "[CLS] the stars shine at [MASK] [SEP] we see them from the [MASK] [SEP]",
            ],
            data.Samples.Select(s => data.Vocabulary.Decode(s.InputIds)));
        Assert.Equal(
            ["cat chase", "buy go", "milk shop", "mouse fast", "sun stars", "night hill"],
            data.Samples.Select(s => string.Join(' ', s.MaskedTokens.Select(t => data.Vocabulary[t]))));
    }

    [Fact]
    public void Pinned_words_are_always_masked_whatever_the_seed_and_unpinned_pairs_are_drawn()
    {
        var pairs = Corpus.Parse("the cat sat on the mat | it was the cat | IsNext | the, cat, the\na b c d e f | g h i j | NotNext\n", "t");
        var seen = new HashSet<string>();
        for (ulong seed = 1; seed <= 30; seed++)
        {
            var data = TrainingData.Create(pairs, "t", maxLen: 16, maxPred: 3, new SeededRandom(seed));
            var samples = data.Samples;
            Assert.Equal("[CLS] [MASK] [MASK] sat on [MASK] mat [SEP] it was the cat [SEP] [PAD] [PAD] [PAD]", data.Vocabulary.Decode(samples[0].InputIds));
            Assert.Equal([1, 2, 5], samples[0].MaskedPositions);
            seen.Add(data.Vocabulary.Decode(samples[1].InputIds));
        }

        Assert.True(seen.Count > 5, "the unpinned pair is masked at random");
    }

    [Fact]
    public void Pins_stay_pinned_under_dynamic_masking()
    {
        var pairs = Corpus.Parse("the cat sat | on the mat | IsNext | mat\na b c d e f | g h i j | NotNext\n", "t");
        var data = TrainingData.Create(pairs, "t", maxLen: 16, maxPred: 2, new SeededRandom(3));
        var random = new SeededRandom(4);
        var unpinned = new HashSet<string>();
        for (int epoch = 0; epoch < 20; epoch++)
        {
            data.Remask(random);
            Assert.Equal("[CLS] the cat sat [SEP] on the [MASK] [SEP] [PAD] [PAD] [PAD] [PAD] [PAD] [PAD] [PAD]", data.Vocabulary.Decode(data.Samples[0].InputIds));
            unpinned.Add(data.Vocabulary.Decode(data.Samples[1].InputIds));
        }

        Assert.True(unpinned.Count > 3);
    }

    [Fact]
    public void More_pins_than_maxPred_is_an_error_naming_the_line()
    {
        var pairs = Corpus.Parse("# pins\nthe cat sat | on the mat | IsNext | cat, sat, mat\n", "p.txt");

        var e = Assert.Throws<InputException>(() => TrainingData.Create(pairs, "p.txt", maxLen: 14, maxPred: 2, new SeededRandom(1)));
        Assert.Equal("p.txt:2: the pair pins 3 words, but the model masks at most 2 per sample (maxPred in bertgen.json).", e.Message);
    }
}
