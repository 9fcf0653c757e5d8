using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace BertGen;

/// <summary>
/// A model type the generator emitted from a bertgen.json, before it has a vocabulary: its configuration and a way to
/// create it. Every generated model has one as its static <c>Definition</c>; the training API and the commands take it.
/// </summary>
public sealed class ModelDefinition
{
    private readonly Func<int, IBertModel> _create;

    /// <summary>A definition of <paramref name="shape"/> whose models <paramref name="create"/> makes for a vocabulary size.</summary>
    /// <param name="shape">The configuration; its <see cref="ModelConfig.VocabSize"/> is the size bertgen.json fixes, or 0.</param>
    /// <param name="create">Creates the model for a vocabulary size.</param>
    public ModelDefinition(ModelConfig shape, Func<int, IBertModel> create)
    {
        Shape = shape;
        _create = create;
    }

    /// <summary>The model's name: the generated type's name and bertgen.json's <c>name</c>.</summary>
    public string Name => Shape.Name;

    /// <summary>The configuration; <see cref="ModelConfig.VocabSize"/> is the size bertgen.json fixes, or 0 when the corpus decides it.</summary>
    public ModelConfig Shape { get; }

    /// <summary>Creates the model for a vocabulary of <paramref name="vocabSize"/> tokens, special tokens included.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The vocabulary is too small, or is not the size the configuration fixes.</exception>
    public IBertModel Create(int vocabSize) => _create(vocabSize);

    /// <summary>The models an assembly holds: one per bertgen.json of its project, in order of name.</summary>
    public static IReadOnlyList<ModelDefinition> In(Assembly assembly) =>
        assembly.GetCustomAttributes<BertModelAttribute>().Select(a => a.Definition).OrderBy(d => d.Name, StringComparer.Ordinal).ToList();

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>
/// Names a generated model type of the assembly, so that a host (such as the bertgen commands) finds the project's
/// models without naming them. The generator writes one per bertgen.json.
/// </summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
public sealed class BertModelAttribute : Attribute
{
    /// <summary>Names <paramref name="modelType"/>, a generated model with a static <c>Definition</c> property.</summary>
    public BertModelAttribute([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type modelType) => ModelType = modelType;

    /// <summary>The generated model type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)]
    public Type ModelType { get; }

    /// <summary>The type's <c>Definition</c>.</summary>
    /// <exception cref="InvalidOperationException">The type is not a generated model.</exception>
    public ModelDefinition Definition =>
        ModelType.GetProperty("Definition", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as ModelDefinition
        ?? throw new InvalidOperationException($"{ModelType.FullName} has no public static ModelDefinition Definition; it is not a model BertGen generated.");
}
