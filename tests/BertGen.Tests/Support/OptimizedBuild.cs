using System.Diagnostics;
using System.Reflection;

namespace BertGen.Tests.Support;

/// <summary>
/// Whether the runtime and the tests were compiled with optimisations (Release). A Debug build's code keeps copies of
/// spans and struct arguments that the optimised build does not, so "allocates nothing" holds only in Release; those
/// tests run there (the README's test command) and are skipped in Debug, saying why.
/// </summary>
internal static class OptimizedBuild
{
    public const string Reason =
        "allocation counts hold only for optimised code; this is a Debug build (run 'dotnet test BertGen.sln -c Release', the README's test command)";

    public static bool IsOptimized { get; } =
        new[] { typeof(BertGen.Kernels.Gemm).Assembly, typeof(OptimizedBuild).Assembly }.All(a => a.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true);
}

/// <summary>A fact about allocations: run only in an optimised build (see <see cref="OptimizedBuild"/>).</summary>
public sealed class OptimizedBuildFactAttribute : FactAttribute
{
    /// <summary>Skips the test in a Debug build, with the reason.</summary>
    public OptimizedBuildFactAttribute()
    {
        if (!OptimizedBuild.IsOptimized)
        {
            Skip = OptimizedBuild.Reason;
        }
    }
}

/// <summary>A theory about allocations: run only in an optimised build (see <see cref="OptimizedBuild"/>).</summary>
public sealed class OptimizedBuildTheoryAttribute : TheoryAttribute
{
    /// <summary>Skips the test in a Debug build, with the reason.</summary>
    public OptimizedBuildTheoryAttribute()
    {
        if (!OptimizedBuild.IsOptimized)
        {
            Skip = OptimizedBuild.Reason;
        }
    }
}
