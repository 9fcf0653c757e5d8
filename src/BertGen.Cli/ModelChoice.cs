namespace BertGen.Cli;

/// <summary>
/// Which of the program's models a command uses: the only one, the one <c>--model</c> names, or, for a command on an
/// existing run, the one the run was trained with.
/// </summary>
internal sealed class ModelChoice(IReadOnlyList<ModelDefinition> models, Func<string?> asked)
{
    /// <summary>The model to train a new run with.</summary>
    /// <exception cref="InputException">There is no model, or several and --model does not pick one.</exception>
    public ModelDefinition ForTraining() => asked() is { } name ? Named(name) : Only();

    /// <summary>The model of a run trained with the configuration named <paramref name="runModel"/>.</summary>
    /// <exception cref="InputException">The program holds no model of that name.</exception>
    public ModelDefinition ForRun(string runModel)
    {
        if (asked() is { } name)
        {
            return Named(name);
        }

        if (models.Count == 1)
        {
            return models[0];
        }

        return models.FirstOrDefault(m => m.Name == runModel)
            ?? throw new InputException($"the run was trained with the model \"{runModel}\", which this program does not hold; it holds {List()}.");
    }

    private ModelDefinition Only() => models.Count switch
    {
        0 => throw new InputException("this program holds no BertGen model; add a bertgen.json to its project and rebuild."),
        1 => models[0],
        _ => throw new InputException($"this program holds several models ({List()}); choose one with --model NAME."),
    };

    private ModelDefinition Named(string name) =>
        models.FirstOrDefault(m => m.Name == name)
        ?? throw new InputException($"there is no model \"{name}\"; this program holds {List()}.");

    private string List() => models.Count == 0 ? "none" : string.Join(", ", models.Select(m => m.Name));
}
