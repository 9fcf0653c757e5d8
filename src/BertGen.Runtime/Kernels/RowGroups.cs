namespace BertGen.Kernels;

/// <summary>
/// Rows of a matrix product that come in equal groups at a fixed distance, such as the same tensor in every sample's
/// block of the activation arena: group g's rows start StrideA values after group g - 1's in A, StrideC in C.
/// </summary>
public readonly record struct RowGroups(int RowsPerGroup, int Count, int StrideA, int StrideC)
{
    /// <summary>All rows: RowsPerGroup * Count.</summary>
    public int Rows => RowsPerGroup * Count;

    /// <summary>One group of <paramref name="rows"/> rows.</summary>
    public static RowGroups Single(int rows) => new(rows, 1, 0, 0);
}
