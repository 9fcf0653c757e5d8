using BertGen.Data;

namespace BertGen.Tests.Data;

public sealed class TokenizerAndVocabularyTests
{
    [Fact]
    public void Tokenizer_lower_cases_drops_punctuation_and_splits_on_white_space()
    {
        Assert.Equal(["the", "cat", "chased", "the", "mouse"], Tokenizer.Words("The cat chased  the mouse."));
        Assert.Equal(["wellknown", "yes", "no"], Tokenizer.Words("Well-known! Yes, no?"));
        Assert.Empty(Tokenizer.Words(" ... "));
    }

    [Fact]
    public void Vocabulary_holds_the_special_tokens_then_words_in_order_of_first_appearance()
    {
        var vocabulary = Vocabulary.FromCorpus(Corpus.Default);

        Assert.Equal(["[PAD]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "chased", "mouse", "it", "was"], vocabulary.Tokens.Take(10));
        Assert.Equal(42, vocabulary.Count);
        Assert.Equal("hill", vocabulary[41]);
        Assert.Equal(vocabulary.Count, vocabulary.Tokens.Distinct().Count());
    }

    [Fact]
    public void A_vocabulary_file_must_start_with_the_special_tokens()
    {
        var e = Assert.Throws<FormatException>(() => new Vocabulary(["[PAD]", "[CLS]", "[MASK]", "[SEP]", "the"]));
        Assert.Contains("line 3", e.Message);
    }
}
