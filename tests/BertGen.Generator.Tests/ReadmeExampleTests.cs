using System.Reflection;
using System.Text.RegularExpressions;

namespace BertGen.Generator.Tests;

/// <summary>The README's "From code" example, compiled with the generator exactly as written, and run.</summary>
public sealed partial class ReadmeExampleTests
{
    private static readonly Lock ConsoleLock = new();

    [Fact]
    public void The_README_example_from_code_compiles_and_runs()
    {
        string example = Example();
        var result = GeneratorHarness.Run(new Project(example, RootNamespace: "MyProject"), ("/MyProject/bertgen.json", GeneratorHarness.Config()));

        Assert.Empty(result.Diagnostics);
        Assert.True(result.CompileProblems.Count == 0, string.Join("\n", result.CompileProblems));
        using var image = new MemoryStream();
        Assert.True(result.Compilation.Emit(image).Success);
        var entry = Assembly.Load(image.ToArray()).EntryPoint!;
        var output = new StringWriter();
        lock (ConsoleLock)
        {
            var console = Console.Out;
            Console.SetOut(output);
            try
            {
                entry.Invoke(null, entry.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
            }
            finally
            {
                Console.SetOut(console);
            }
        }

        var lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^Loss after 300 epochs: [0-9]+\.[0-9]{4}$", lines[0]);
        Assert.Matches(@"^attn, layer 0, head 0 — sample 0, epoch 300 \[14, 14\]: [^ ]+ -> [^ ]+ = 0\.[0-9]{3}$", lines[1]);
        Assert.Matches(@"^\[MASK\] = [a-z]+ \([0-9]+ ?%\); IsNext [01]\.[0-9]{2}$", lines[2]);
    }

    /// <summary>The C# block under the README's "### From code" heading.</summary>
    private static string Example()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md")).ReplaceLineEndings("\n");
        int section = readme.IndexOf("\n### From code\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '### From code' section");
        var block = CSharpBlock().Match(readme, section);
        Assert.True(block.Success, "the 'From code' section has no ```csharp block");
        return block.Groups[1].Value;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BertGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository (BertGen.sln) is not above the test's folder");
    }

    [GeneratedRegex("```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
