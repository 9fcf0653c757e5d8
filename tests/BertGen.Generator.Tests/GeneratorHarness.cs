using System.Collections.Immutable;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Tests;

/// <summary>Runs the generator over in-memory configuration files and compiles what it emits.</summary>
internal static class GeneratorHarness
{
    public const string Namespace = "Sample.Models";

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray());

    /// <summary>What one generator run gave.</summary>
    public sealed record Result(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyDictionary<string, string> Sources, Compilation Compilation, GeneratorDriver Driver)
    {
        /// <summary>The compiler's errors and warnings for the project plus the generated files.</summary>
        public IReadOnlyList<Diagnostic> CompileProblems =>
            Compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
    }

    /// <summary>Runs the generator with <paramref name="files"/> (path, text) as AdditionalFiles.</summary>
    public static Result Run(params (string Path, string Text)[] files) => Run(new Project(), files);

    /// <summary>Runs the generator over <paramref name="project"/>'s sources and properties, with <paramref name="files"/> as AdditionalFiles.</summary>
    public static Result Run(Project project, params (string Path, string Text)[] files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(project.Source ?? "namespace Sample; internal static class Anchor { }", parse) };
        if (project.Source is not null)
        {
            // The global usings of a project with <ImplicitUsings>enable</ImplicitUsings>, as the SDK writes them.
            trees.Add(CSharpSyntaxTree.ParseText(
                "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
                "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;",
                parse));
        }

        var compilation = CSharpCompilation.Create(
            "Sample",
            trees,
            References.Value,
            new CSharpCompilationOptions(project.Source is null ? OutputKind.DynamicallyLinkedLibrary : OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        var properties = new Dictionary<string, string> { ["build_property.RootNamespace"] = project.RootNamespace };
        if (project.BertGenNamespace is not null)
        {
            properties["build_property.BertGenNamespace"] = project.BertGenNamespace;
        }

        GeneratorDriver driver = CSharpGeneratorDriver.Create(
            [new BertGenGenerator().AsSourceGenerator()],
            files.Select(f => (AdditionalText)new InMemoryText(f.Path, f.Text)),
            parse,
            new Options(properties),
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        var sources = driver.GetRunResult().Results.SelectMany(r => r.GeneratedSources)
            .ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        return new Result(diagnostics, sources, output, driver);
    }

    /// <summary>A configuration file's text with the seed's keys, changed by <paramref name="edits"/> (null removes a key).</summary>
    public static string Config(params (string Key, string? Value)[] edits)
    {
        var keys = new List<(string Key, string Value)>
        {
            ("name", "\"TinyBert\""), ("maxLen", "14"), ("batchSize", "6"), ("maxPred", "2"), ("layers", "2"), ("heads", "5"),
            ("dModel", "7"), ("dFF", "28"), ("dK", "4"), ("segments", "2"), ("ffnAddNorm", "true"), ("embeddingLayerNorm", "true"),
            ("layerNormEps", "1e-5"),
        };
        foreach (var (key, value) in edits)
        {
            int at = keys.FindIndex(k => k.Key == key);
            if (value is null)
            {
                keys.RemoveAt(at);
            }
            else if (at >= 0)
            {
                keys[at] = (key, value);
            }
            else
            {
                keys.Add((key, value));
            }
        }

        var text = new StringBuilder("{\n");
        for (int i = 0; i < keys.Count; i++)
        {
            text.Append($"  \"{keys[i].Key}\": {keys[i].Value}{(i < keys.Count - 1 ? "," : string.Empty)}\n");
        }

        return text.Append("}\n").ToString();
    }

    private sealed class InMemoryText(string path, string text) : AdditionalText
    {
        public override string Path => path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text, Encoding.UTF8);
    }

    private sealed class Options(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptionsProvider
    {
        public override AnalyzerConfigOptions GlobalOptions { get; } = new Values(properties);

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

        private sealed class Values(IReadOnlyDictionary<string, string> properties) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, out string value) => properties.TryGetValue(key, out value!);
        }
    }
}

/// <summary>The project the generator runs in: its source (a program, when given), RootNamespace and BertGenNamespace.</summary>
internal sealed record Project(string? Source = null, string RootNamespace = GeneratorHarness.Namespace, string? BertGenNamespace = null);
