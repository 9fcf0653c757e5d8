namespace BertGen;

/// <summary>
/// A setting given to the runtime is wrong: a training option, the folder to write, the layer or head of a tensor. The
/// message names the setting as the API does (<see cref="SettingNames"/>); a host with names of its own for the settings,
/// such as the console program's <c>--epochs</c>, writes the same message with them through <see cref="Describe"/>.
/// </summary>
public sealed class SettingException : InputException
{
    private readonly Func<IReadOnlyList<string>, string> _message;

    /// <summary>An error about <paramref name="setting"/>, whose message <paramref name="message"/> writes given the setting's name.</summary>
    public SettingException(string setting, Func<string, string> message)
        : this([setting], names => message(names[0]))
    {
    }

    /// <summary>An error about either of two settings, whose message <paramref name="message"/> writes given their names.</summary>
    public SettingException(string first, string second, Func<string, string, string> message)
        : this([first, second], names => message(names[0], names[1]))
    {
    }

    private SettingException(IReadOnlyList<string> settings, Func<IReadOnlyList<string>, string> message)
        : base(message(settings))
    {
        Settings = settings;
        _message = message;
    }

    /// <summary>The settings the message is about, by their <see cref="SettingNames"/>.</summary>
    public IReadOnlyList<string> Settings { get; }

    /// <summary>The message, each setting named as <paramref name="name"/> names it.</summary>
    public string Describe(Func<string, string> name) => _message(Settings.Select(name).ToList());
}

/// <summary>The names of the settings a <see cref="SettingException"/> can be about, as the API spells them.</summary>
public static class SettingNames
{
    /// <summary>The epochs to train (TrainingOptions.Epochs, ResumeOptions.Epochs).</summary>
    public const string Epochs = "Epochs";

    /// <summary>Adam's learning rate (AdamSettings.LearningRate).</summary>
    public const string LearningRate = "LearningRate";

    /// <summary>The threads that share each batch.</summary>
    public const string Threads = "Threads";

    /// <summary>How often a checkpoint is written.</summary>
    public const string SaveEvery = "SaveEvery";

    /// <summary>The epochs to capture.</summary>
    public const string CaptureEpochs = "CaptureEpochs";

    /// <summary>How often an epoch is captured.</summary>
    public const string CaptureEvery = "CaptureEvery";

    /// <summary>The samples a capture holds.</summary>
    public const string CaptureSamples = "CaptureSamples";

    /// <summary>The run folder to create (TrainingRun.Start's folder).</summary>
    public const string RunFolder = "folder";

    /// <summary>The folder an export writes.</summary>
    public const string ExportFolder = "outputDirectory";

    /// <summary>The encoder layer of a tensor (TensorQuery.Layer).</summary>
    public const string Layer = "Layer";

    /// <summary>The attention head of a tensor (TensorQuery.Head).</summary>
    public const string Head = "Head";

    /// <summary>Every name, for a host that maps them all to its own.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Epochs, LearningRate, Threads, SaveEvery, CaptureEpochs, CaptureEvery, CaptureSamples, RunFolder, ExportFolder, Layer, Head];
}
