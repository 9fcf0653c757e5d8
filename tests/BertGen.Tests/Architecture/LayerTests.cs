using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BertGen.Tests.Architecture;

/// <summary>
/// The runtime's layers, as docs/ARCHITECTURE.md draws them, checked on its source: every type a file uses is declared in
/// its own folder or in a folder of a lower layer, so that the layers point one way and have no cycle; and no string the
/// runtime writes speaks of the command line, whose words are the console program's.
/// </summary>
public sealed class LayerTests
{
    /// <summary>The runtime's folders from the bottom up; folders on one line are one layer and may not use each other.</summary>
    private static readonly string[][] Layers =
    [
        ["(root)"],
        ["IO", "Kernels"],
        ["Data"],
        ["Model"],
        ["Training"],
        ["Checkpoints"],
        ["Captures"],
        ["Runs"],
        ["Inference"],
        ["Explore"],
        ["Report"],
    ];

    private static readonly Lazy<(CSharpCompilation Compilation, string Root)> Runtime = new(Compile);

    [Fact]
    public void The_runtime_compiles_here_as_it_does_in_its_build()
    {
        // The checks below read the compiler's symbols: a file that does not compile would hide what it uses.
        var errors = Runtime.Value.Compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void Every_folder_uses_only_its_own_types_and_those_of_the_layers_below_it()
    {
        var (compilation, root) = Runtime.Value;
        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var tree in compilation.SyntaxTrees.Where(t => t.FilePath.Length > 0))
        {
            string folder = Folder(root, tree.FilePath);
            var model = compilation.GetSemanticModel(tree);
            foreach (var name in tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(name).Symbol;
                var type = (symbol as INamedTypeSymbol ?? symbol?.ContainingType)?.OriginalDefinition;
                var declared = type?.Locations.FirstOrDefault(l => l.IsInSource)?.SourceTree?.FilePath;
                if (declared is null)
                {
                    continue;
                }

                string used = Folder(root, declared);
                if (used != folder && Layer(used) >= Layer(folder))
                {
                    violations.Add($"{Path.GetRelativePath(root, tree.FilePath)} uses {type!.Name} of {used}/");
                }
            }
        }

        Assert.True(violations.Count == 0, "a layer uses one above it or beside it:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_layer_check_sees_a_use_of_a_higher_layer()
    {
        // The check above must be able to fail: Data using a type of Runs is caught.
        var (compilation, root) = Runtime.Value;
        var file = Path.Combine(root, "Data", "Probe.cs");
        var probe = CSharpSyntaxTree.ParseText("namespace BertGen.Data; internal static class Probe { public static object F() => typeof(BertGen.Runs.RunFolder); }", Options, file);
        var model = compilation.AddSyntaxTrees(probe).GetSemanticModel(probe);
        var type = probe.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>().Select(n => model.GetSymbolInfo(n).Symbol).OfType<INamedTypeSymbol>().Single(t => t.Name == "RunFolder");
        string used = Folder(root, type.Locations.First(l => l.IsInSource).SourceTree!.FilePath);
        Assert.Equal("Runs", used);
        Assert.True(Layer(used) > Layer(Folder(root, file)));
    }

    [Fact]
    public void No_string_of_the_runtime_names_a_command_line_option_or_command()
    {
        var (compilation, root) = Runtime.Value;
        var flag = new Regex(@"(?<![\w-])--[a-z]|\bbertgen (train|explore|predict|report|export)\b|on the command line", RegexOptions.Compiled);
        var found = new List<string>();
        foreach (var tree in compilation.SyntaxTrees.Where(t => t.FilePath.Length > 0))
        {
            foreach (var token in tree.GetRoot().DescendantTokens())
            {
                bool text = token.IsKind(SyntaxKind.StringLiteralToken) || token.IsKind(SyntaxKind.InterpolatedStringTextToken)
                    || token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken) || token.IsKind(SyntaxKind.MultiLineRawStringLiteralToken);
                if (text && flag.IsMatch(token.ValueText))
                {
                    found.Add($"{Path.GetRelativePath(root, tree.FilePath)}:{token.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: {token.ValueText}");
                }
            }
        }

        Assert.True(found.Count == 0, "the runtime speaks the command line's words:\n" + string.Join("\n", found));
    }

    private static readonly CSharpParseOptions Options = new(LanguageVersion.Preview);

    private static (CSharpCompilation, string) Compile()
    {
        string root = Path.Combine(RepositoryRoot(), "src", "BertGen.Runtime");
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), Options, f)).ToList();

        // The global usings of <ImplicitUsings>enable</ImplicitUsings>, as the SDK writes them.
        trees.Add(CSharpSyntaxTree.ParseText(
            "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
            "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;",
            Options));
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = Directory.EnumerateFiles(framework, "*.dll")
            .Append(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(
            "BertGen.Runtime.Layers",
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));
        return (compilation, root);
    }

    /// <summary>The folder a runtime file lies in (its first level), or "(root)" for a file at the top.</summary>
    private static string Folder(string root, string path)
    {
        var parts = Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar);
        return parts.Length == 1 ? "(root)" : parts[0];
    }

    private static int Layer(string folder)
    {
        int layer = Array.FindIndex(Layers, l => l.Contains(folder));
        return layer >= 0 ? layer : throw new InvalidOperationException($"The runtime folder {folder}/ has no layer; add it to LayerTests.Layers and docs/ARCHITECTURE.md.");
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BertGen.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The tests run outside the repository: BertGen.sln is not above them.");
    }
}
