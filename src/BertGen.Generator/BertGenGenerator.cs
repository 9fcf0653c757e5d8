using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BertGen.Generator.Emit;
using BertGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator;

/// <summary>
/// Reads every <c>bertgen.json</c> (or <c>*.bertgen.json</c>) among a project's AdditionalFiles and emits one model
/// type per file: shape constants, parameter and activation layouts, and the forward and backward passes over the
/// runtime's kernels, compiled for the model's shapes.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BertGenGenerator : IIncrementalGenerator
{
    private const string FallbackNamespace = "BertGen.Models";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // The namespace of a generated type: the config's "namespace" key, else the MSBuild property BertGenNamespace,
        // else the project's RootNamespace.
        var defaultNamespace = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue("build_property.BertGenNamespace", out var chosen) && IsNamespace(chosen) ? chosen
            : options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var root) && IsNamespace(root) ? root
            : FallbackNamespace);

        var configs = context.AdditionalTextsProvider
            .Where(static file => IsConfigFile(file.Path))
            .Select(static (file, ct) => (file.Path, Text: file.GetText(ct)?.ToString() ?? string.Empty))
            .Combine(defaultNamespace)
            .Select(static (input, _) => ConfigParser.Parse(input.Left.Path, input.Left.Text, input.Right))
            .Collect();

        context.RegisterSourceOutput(configs, static (spc, results) => Emit(spc, results));
    }

    /// <summary>bertgen.json, or name.bertgen.json when a project holds more than one model.</summary>
    internal static bool IsConfigFile(string path)
    {
        string name = Path.GetFileName(path);
        return name.Equals("bertgen.json", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".bertgen.json", StringComparison.OrdinalIgnoreCase);
    }

    private static void Emit(SourceProductionContext spc, IReadOnlyList<ConfigParseResult> results)
    {
        var emitted = new Dictionary<string, ConfigParseResult>(StringComparer.Ordinal);
        var files = new HashSet<string>(StringComparer.Ordinal);
        foreach (var result in results.OrderBy(r => r.Path, StringComparer.Ordinal))
        {
            // A file listed twice among the AdditionalFiles (by the package's targets and by hand) is one model.
            if (!files.Add(result.Path))
            {
                continue;
            }

            foreach (var diagnostic in result.Diagnostics)
            {
                spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            if (result.Spec is not { } spec)
            {
                continue;
            }

            string fullName = spec.Namespace + "." + spec.Name;
            if (emitted.TryGetValue(fullName, out var first))
            {
                spc.ReportDiagnostic(Diagnostic.Create(
                    Diagnostics.DuplicateName,
                    result.NameSite!.ToLocation(),
                    $"the model name \"{spec.Name}\" is already used by {first.NameSite!.FilePath}; give each configuration file its own \"name\""));
                continue;
            }

            emitted[fullName] = result;
            foreach (var (hintName, source) in ModelEmitter.Emit(spec))
            {
                spc.AddSource(hintName, SourceText.From(source, System.Text.Encoding.UTF8));
            }
        }
    }

    /// <summary>Whether <paramref name="ns"/> is a dotted C# namespace such as <c>MyCompany.Models</c>.</summary>
    internal static bool IsNamespace(string ns) =>
        ns.Length > 0 && ns.Split('.').All(part =>
            Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(part)
            && Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(part) == Microsoft.CodeAnalysis.CSharp.SyntaxKind.None);
}
