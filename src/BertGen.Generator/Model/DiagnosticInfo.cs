using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace BertGen.Generator.Model;

/// <summary>A range of a configuration file, as plain data the pipeline can compare and cache.</summary>
internal sealed record SourceSite(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public Location ToLocation() => Location.Create(
        FilePath,
        new TextSpan(Start, Length),
        new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));
}

/// <summary>
/// A diagnostic as plain data: the pipeline must not hold <see cref="Location"/> or
/// <see cref="Diagnostic"/>, which are not value-equatable.
/// </summary>
internal sealed record DiagnosticInfo(string Id, SourceSite Site, string Message)
{
    public Diagnostic ToDiagnostic() => Diagnostic.Create(Diagnostics.ById(Id), Site.ToLocation(), Message);
}

/// <summary>What parsing one configuration file gave: a spec, or the reasons there is none.</summary>
internal sealed record ConfigParseResult(string Path, ModelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, SourceSite? NameSite);
