namespace BertGen.Testing;

/// <summary>What a snapshot does when the approved file is missing or differs.</summary>
public enum SnapshotMode
{
    /// <summary>
    /// Compares with the approved file; when there is none, writes the received file for a person to approve and fails.
    /// The default on a developer's machine.
    /// </summary>
    Compare,

    /// <summary>As <see cref="Compare"/>, and a missing approved file is a failure that says so. The default where <c>CI</c> is set.</summary>
    Strict,

    /// <summary>Writes what the test received as the approved file, replacing any, and passes.</summary>
    Accept,
}

/// <summary>
/// How a tensor snapshot compares: the tolerances, where the files are, and the mode. Every property can be set per call;
/// the defaults come from <see cref="Default"/> and the environment.
/// </summary>
public sealed record SnapshotSettings
{
    /// <summary>
    /// The relative tolerance unless a call states another: 1e-5, about 80 float32 units in the last place. A cell
    /// passes when |actual - expected| &lt;= <see cref="AbsoluteTolerance"/> + <see cref="RelativeTolerance"/> * |expected|.
    /// </summary>
    public const double DefaultRelativeTolerance = 1e-5;

    /// <summary>The absolute tolerance unless a call states another: 1e-6, for values near zero.</summary>
    public const double DefaultAbsoluteTolerance = 1e-6;

    /// <summary>Environment variable that, set to 1 or true, approves what every snapshot receives (<see cref="SnapshotMode.Accept"/>).</summary>
    public const string AcceptVariable = "BERTGEN_SNAPSHOT_ACCEPT";

    /// <summary>Environment variable that, set to 1 or true, makes a missing snapshot a failure (<see cref="SnapshotMode.Strict"/>), as <c>CI</c> does.</summary>
    public const string StrictVariable = "BERTGEN_SNAPSHOT_STRICT";

    /// <summary>The settings a call gets when it gives none: the default tolerances, the mode the environment says.</summary>
    public static SnapshotSettings Default => new();

    /// <summary>The relative part of the tolerance.</summary>
    public double RelativeTolerance { get; init; } = DefaultRelativeTolerance;

    /// <summary>The absolute part of the tolerance.</summary>
    public double AbsoluteTolerance { get; init; } = DefaultAbsoluteTolerance;

    /// <summary>The folder of the snapshot files; null for <c>__snapshots__</c> beside the calling test's source file.</summary>
    public string? Directory { get; init; }

    /// <summary>The mode; null for the environment's: <see cref="AcceptVariable"/>, then <see cref="StrictVariable"/> or <c>CI</c>, else compare.</summary>
    public SnapshotMode? Mode { get; init; }

    /// <summary>The mode in effect: <see cref="Mode"/>, or the one the environment says.</summary>
    public SnapshotMode EffectiveMode => Mode ?? ModeOf(Environment.GetEnvironmentVariable);

    /// <summary>Whether a value passes: both NaN, equal, or within the tolerance of <paramref name="expected"/>.</summary>
    public bool Within(float expected, float actual) =>
        (float.IsNaN(expected) && float.IsNaN(actual))
        || expected == actual
        || Math.Abs((double)actual - expected) <= AbsoluteTolerance + (RelativeTolerance * Math.Abs((double)expected));

    /// <summary>The mode an environment (a variable's value by name) asks for.</summary>
    internal static SnapshotMode ModeOf(Func<string, string?> environment)
    {
        bool IsSet(string variable) =>
            environment(variable) is { Length: > 0 } value
            && !value.Equals("0", StringComparison.Ordinal) && !value.Equals("false", StringComparison.OrdinalIgnoreCase);
        return IsSet(AcceptVariable) ? SnapshotMode.Accept : IsSet(StrictVariable) || IsSet("CI") ? SnapshotMode.Strict : SnapshotMode.Compare;
    }
}
