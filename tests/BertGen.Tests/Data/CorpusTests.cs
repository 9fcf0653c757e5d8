using BertGen.Data;

namespace BertGen.Tests.Data;

public sealed class CorpusTests
{
    [Fact]
    public void Default_corpus_is_the_six_labelled_pairs()
    {
        var pairs = Corpus.Default;

        Assert.Equal(6, pairs.Count);
        Assert.Equal("The cat chased the mouse.", pairs[0].First);
        Assert.Equal("It was a fast chase.", pairs[0].Second);
        Assert.Equal([false, false, true, false, false, true], pairs.Select(p => p.IsNext));
        Assert.Equal("We see them from the hill.", pairs[5].Second);
    }

    [Fact]
    public void Corpus_file_skips_comments_and_blank_lines_and_keeps_line_numbers()
    {
        var pairs = Corpus.Parse("# pairs\n\nA b. | C d. | IsNext\n  e f | g h | notnext  \n", "c.txt");

        Assert.Equal(2, pairs.Count);
        Assert.Equal(new SentencePair("A b.", "C d.", true, 3), pairs[0]);
        Assert.Equal(new SentencePair("e f", "g h", false, 4), pairs[1]);
    }

    [Theory]
    [InlineData("a b | c d\n", "c.txt:1: expected 3 fields")]
    [InlineData("# x\na b | c d | maybe\n", "c.txt:2: the label is 'maybe'; write IsNext or NotNext")]
    [InlineData("a b | c d | IsNext\n . | c d | IsNext\n", "c.txt:2: the first sentence has no words")]
    [InlineData("a | ?! | NotNext\n", "c.txt:1: the second sentence has no words")]
    [InlineData("# only a comment\n", "c.txt: no sentence pairs")]
    public void A_bad_corpus_line_is_an_error_naming_the_line(string text, string message)
    {
        var e = Assert.Throws<InputException>(() => Corpus.Parse(text, "c.txt"));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void A_pair_longer_than_maxLen_is_an_error_naming_its_line()
    {
        var pairs = Corpus.Parse("a b | c | IsNext\none two three four five six seven | eight nine ten eleven twelve thirteen | NotNext\n", "long.txt");

        var e = Assert.Throws<InputException>(() => TrainingData.Create(pairs, "long.txt", maxLen: 14, maxPred: 2, new SeededRandom(1)));
        Assert.Equal("long.txt:2: the pair has 16 tokens with [CLS] and two [SEP], but maxLen is 14; shorten it or raise maxLen in bertgen.json.", e.Message);
    }
}
