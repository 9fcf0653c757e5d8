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
/// type per file: shape constants, parameter and activation layouts, and fixed-shape forward and backward kernels.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class BertGenGenerator : IIncrementalGenerator
{
    private const string FallbackNamespace = "BertGen.Models";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var rootNamespace = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue("build_property.RootNamespace", out var ns) && IsNamespace(ns) ? ns : FallbackNamespace);

        var configs = context.AdditionalTextsProvider
            .Where(static file => IsConfigFile(file.Path))
            .Select(static (file, ct) => (file.Path, Text: file.GetText(ct)?.ToString() ?? string.Empty))
            .Combine(rootNamespace)
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
        foreach (var result in results.OrderBy(r => r.NameSite?.FilePath, StringComparer.Ordinal))
        {
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

    private static bool IsNamespace(string ns) =>
        ns.Length > 0 && ns.Split('.').All(part => Microsoft.CodeAnalysis.CSharp.SyntaxFacts.IsValidIdentifier(part));
}
