namespace BertGen.Tests.Checkpoints;

public sealed class TensorLayoutTests
{
    [Fact]
    public void A_parameter_is_found_by_its_Hugging_Face_name_alone_and_an_activation_by_name_and_layer()
    {
        var model = new SeedBert(42);

        var query = model.Parameters["bert.encoder.layer.1.attention.self.query.weight"];
        Assert.Equal(1, query.Layer);
        Assert.Equal([20, 7], query.Shape);
        Assert.Equal(query, model.Parameters["bert.encoder.layer.1.attention.self.query.weight", 1]);
        Assert.Equal(1, model.Activations["attn", 1].Layer);
        Assert.Throws<KeyNotFoundException>(() => model.Activations["attn"]); // one per layer: the layer must be named
    }
}
