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
        Assert.Equal(("A b.", "C d.", true, 3), (pairs[0].First, pairs[0].Second, pairs[0].IsNext, pairs[0].Line));
        Assert.Equal(("e f", "g h", false, 4), (pairs[1].First, pairs[1].Second, pairs[1].IsNext, pairs[1].Line));
    }

    [Theory]
    [InlineData("a b | c d\n", "c.txt:1: expected 3 fields")]
    [InlineData("a b | c d | IsNext | a | b\n", "c.txt:1: expected 3 fields separated by '|' (first sentence | second sentence | IsNext or NotNext), and optionally a fourth with the words to mask, found 5.")]
    [InlineData("the cat | sat | IsNext | dog\n", "c.txt:1: the pin 'dog' is not a word of the pair; pins name words of the two sentences, such as 'the'.")]
    [InlineData("# x\nthe cat | sat | IsNext | [SEP]\n", "c.txt:2: the pin '[sep]' is the special token [SEP]; pin words of the two sentences, such as 'the'.")]
    [InlineData("the cat | sat | IsNext | [mask]\n", "c.txt:1: the pin '[mask]' is the special token [MASK]")]
    [InlineData("the cat | sat | IsNext | the cat\n", "c.txt:1: the pin 'the cat' is not one word")]
    [InlineData("the cat | sat | IsNext | cat, cat\n", "c.txt:1: 'cat' is pinned 2 times, but the pair holds it 1 time(s).")]
    [InlineData("the cat | sat | IsNext |  \n", "c.txt:1: the fourth field is empty")]
    [InlineData("the cat | sat | IsNext | cat,\n", "c.txt:1: the pin '' is not one word")]
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
    public void The_default_corpus_pins_the_articles_words()
    {
        Assert.Equal(
            [["cat", "chase"], ["buy", "go"], ["milk", "shop"], ["mouse", "fast"], ["sun", "stars"], ["night", "hill"]],
            Corpus.Default.Select(p => p.Pins!.ToArray()));
    }

    [Fact]
    public void Pins_are_read_in_any_case_and_written_back_as_a_fourth_field()
    {
        var pairs = Corpus.Parse("The Cat sat. | On the mat. | IsNext | Cat, MAT\nA b. | C d. | NotNext\n", "c.txt");

        Assert.Equal(["cat", "mat"], pairs[0].Pins);
        Assert.Null(pairs[1].Pins);
        var again = Corpus.Parse(Corpus.Format(pairs), "again");
        Assert.Equal(pairs.Select(p => (p.First, p.Second, p.IsNext, string.Join(",", p.Pins ?? []))), again.Select(p => (p.First, p.Second, p.IsNext, string.Join(",", p.Pins ?? []))));
    }

    [Fact]
    public void A_pair_longer_than_maxLen_is_an_error_naming_its_line()
    {
        var pairs = Corpus.Parse("a b | c | IsNext\none two three four five six seven | eight nine ten eleven twelve thirteen | NotNext\n", "long.txt");

        var e = Assert.Throws<InputException>(() => TrainingData.Create(pairs, "long.txt", maxLen: 14, maxPred: 2, new SeededRandom(1)));
        Assert.Equal("long.txt:2: the pair has 16 tokens with [CLS] and two [SEP], but maxLen is 14; shorten it or raise maxLen in bertgen.json.", e.Message);
    }
}
