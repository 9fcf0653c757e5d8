namespace BertGen.Captures;

/// <summary>What a tensor of a capture is.</summary>
public enum CaptureKind
{
    /// <summary>An activation of every captured sample (<c>act.</c>).</summary>
    Activation,

    /// <summary>An input of the captured pass, for every captured sample (<c>input.</c>).</summary>
    Input,

    /// <summary>A parameter (<c>param.</c>).</summary>
    Parameter,

    /// <summary>A parameter's gradient (<c>grad.</c>).</summary>
    Gradient,
}

/// <summary>A tensor's name in a capture file, read: its kind, its name, and its layer (-1 when it is not a layer's).</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Name">The article's name of an activation or input, or a parameter's Hugging Face name.</param>
/// <param name="Layer">The encoder layer of a layer's activation, else -1.</param>
public readonly record struct CaptureKey(CaptureKind Kind, string Name, int Layer);

/// <summary>How captured tensors are named inside a capture file: the one place both its writer and its readers take them from.</summary>
public static class CaptureNames
{
    /// <summary>The inputs a capture holds for every sample, as the batch gave them to the pass.</summary>
    public static IReadOnlyList<string> Inputs { get; } = ["input_ids", "segment_ids", "masked_positions", "masked_tokens", "is_next"];

    private const string ActivationPrefix = "act.";
    private const string LayerPrefix = "act.layer.";
    private const string InputPrefix = "input.";
    private const string ParameterPrefix = "param.";
    private const string GradientPrefix = "grad.";

    /// <summary>An activation: <c>act.embedding</c>, or <c>act.layer.1.attn</c> for a layer's.</summary>
    public static string Activation(string name, int layer) => layer < 0 ? ActivationPrefix + name : $"{LayerPrefix}{layer}.{name}";

    /// <summary>A layer's activation with "{layer}" standing for the layer: <c>act.layer.{layer}.attn</c>.</summary>
    public static string LayerActivation(string name) => LayerPrefix + "{layer}." + name;

    /// <summary>An input of the captured pass: <c>input.input_ids</c>, <c>input.masked_positions</c>, ...</summary>
    public static string Input(string name) => InputPrefix + name;

    /// <summary>A parameter: <c>param.</c> and its Hugging Face name.</summary>
    public static string Parameter(string name) => ParameterPrefix + name;

    /// <summary>A parameter's gradient: <c>grad.</c> and its Hugging Face name.</summary>
    public static string Gradient(string name) => GradientPrefix + name;

    /// <summary>Reads a tensor's name in a capture file, or null when it is none of the names above.</summary>
    public static CaptureKey? Parse(string key)
    {
        if (key.StartsWith(LayerPrefix, StringComparison.Ordinal))
        {
            var rest = key[LayerPrefix.Length..];
            int dot = rest.IndexOf('.');
            return dot > 0 && int.TryParse(rest[..dot], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer)
                ? new CaptureKey(CaptureKind.Activation, rest[(dot + 1)..], layer)
                : null;
        }

        return key.StartsWith(ActivationPrefix, StringComparison.Ordinal) ? new CaptureKey(CaptureKind.Activation, key[ActivationPrefix.Length..], -1)
            : key.StartsWith(InputPrefix, StringComparison.Ordinal) ? new CaptureKey(CaptureKind.Input, key[InputPrefix.Length..], -1)
            : key.StartsWith(ParameterPrefix, StringComparison.Ordinal) ? new CaptureKey(CaptureKind.Parameter, key[ParameterPrefix.Length..], -1)
            : key.StartsWith(GradientPrefix, StringComparison.Ordinal) ? new CaptureKey(CaptureKind.Gradient, key[GradientPrefix.Length..], -1)
            : null;
    }
}
