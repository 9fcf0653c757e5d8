namespace BertGen.Captures;

/// <summary>How captured tensors are named inside a capture file.</summary>
public static class CaptureNames
{
    /// <summary>An activation: <c>act.embedding</c>, or <c>act.layer.1.attn</c> for a layer's.</summary>
    public static string Activation(string name, int layer) => layer < 0 ? $"act.{name}" : $"act.layer.{layer}.{name}";

    /// <summary>An input of the captured pass: <c>input.input_ids</c>, <c>input.masked_positions</c>, ...</summary>
    public static string Input(string name) => "input." + name;

    /// <summary>A parameter: <c>param.</c> and its Hugging Face name.</summary>
    public static string Parameter(string name) => "param." + name;

    /// <summary>A parameter's gradient: <c>grad.</c> and its Hugging Face name.</summary>
    public static string Gradient(string name) => "grad." + name;

}
