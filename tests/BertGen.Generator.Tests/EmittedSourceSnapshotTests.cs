using Snapshooter;
using Snapshooter.Xunit;

namespace BertGen.Generator.Tests;

/// <summary>
/// The source emitted for the seed configuration, approved as a snapshot: a change to the model type or to its passes
/// shows as a diff to review in __snapshots__.
/// </summary>
public sealed class EmittedSourceSnapshotTests
{
    [Fact]
    public void Seed_configuration_emits_the_approved_model_source()
    {
        var result = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config()));
        Snapshot.Match(result.Sources[$"{GeneratorHarness.Namespace}.TinyBert.g.cs"], new SnapshotNameExtension("model"));
    }

    [Fact]
    public void Seed_configuration_emits_the_approved_passes()
    {
        var result = GeneratorHarness.Run(("/p/bertgen.json", GeneratorHarness.Config()));
        Snapshot.Match(result.Sources[$"{GeneratorHarness.Namespace}.TinyBert.Passes.g.cs"], new SnapshotNameExtension("passes"));
    }
}
