using Microsoft.CodeAnalysis;

namespace BertGen.Generator.Tests;

/// <summary>Where the generated type lives, and how a host finds it without naming it.</summary>
public sealed class NamespaceAndDiscoveryTests
{
    [Fact]
    public void The_model_lives_in_the_projects_root_namespace_by_default()
    {
        var result = GeneratorHarness.Run(new Project(RootNamespace: "Acme.Nlp"), ("/p/bertgen.json", GeneratorHarness.Config()));

        Assert.NotNull(result.Compilation.GetTypeByMetadataName("Acme.Nlp.TinyBert"));
    }

    [Fact]
    public void The_BertGenNamespace_property_moves_every_model_and_a_namespace_key_moves_one()
    {
        var result = GeneratorHarness.Run(
            new Project(RootNamespace: "Acme.Nlp", BertGenNamespace: "Acme.Models"),
            ("/p/a.bertgen.json", GeneratorHarness.Config(("name", "\"First\""))),
            ("/p/b.bertgen.json", GeneratorHarness.Config(("name", "\"Second\""), ("namespace", "\"Acme.Special\""))));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompileProblems);
        Assert.NotNull(result.Compilation.GetTypeByMetadataName("Acme.Models.First"));
        Assert.NotNull(result.Compilation.GetTypeByMetadataName("Acme.Special.Second"));
    }

    [Fact]
    public void Every_model_is_named_in_an_assembly_attribute_with_its_definition()
    {
        var result = GeneratorHarness.Run(
            ("/p/a.bertgen.json", GeneratorHarness.Config(("name", "\"First\""))),
            ("/p/b.bertgen.json", GeneratorHarness.Config(("name", "\"Second\""), ("dModel", "8"))));

        var named = result.Compilation.Assembly.GetAttributes()
            .Where(a => a.AttributeClass?.ToDisplayString() == "BertGen.BertModelAttribute")
            .Select(a => ((INamedTypeSymbol)a.ConstructorArguments[0].Value!).ToDisplayString())
            .Order();
        Assert.Equal([$"{GeneratorHarness.Namespace}.First", $"{GeneratorHarness.Namespace}.Second"], named);
        var definition = result.Compilation.GetTypeByMetadataName($"{GeneratorHarness.Namespace}.Second")!.GetMembers("Definition").OfType<IPropertySymbol>().Single();
        Assert.True(definition.IsStatic);
        Assert.Equal("BertGen.ModelDefinition", definition.Type.ToDisplayString());
    }

    [Fact]
    public void A_file_listed_twice_is_one_model()
    {
        var result = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config()), ("/p/bertgen.json", GeneratorHarness.Config()));

        Assert.Empty(result.Diagnostics);
        Assert.Empty(result.CompileProblems);
        Assert.Equal(2, result.Sources.Count);
    }
}
