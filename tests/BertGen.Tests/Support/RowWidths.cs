using BertGen.Kernels;

namespace BertGen.Tests.Support;

// Row widths as type arguments, for the kernels compiled for a model's constant widths.

/// <summary>Rows of 1.</summary>
internal readonly struct W1 : IRowWidth
{
    public static int Width => 1;
}

/// <summary>Rows of 3.</summary>
internal readonly struct W3 : IRowWidth
{
    public static int Width => 3;
}

/// <summary>Rows of 7, the seed's dModel.</summary>
internal readonly struct W7 : IRowWidth
{
    public static int Width => 7;
}

/// <summary>Rows of 8, one float vector.</summary>
internal readonly struct W8 : IRowWidth
{
    public static int Width => 8;
}

/// <summary>Rows of 9, past one float vector.</summary>
internal readonly struct W9 : IRowWidth
{
    public static int Width => 9;
}

/// <summary>Rows of 12.</summary>
internal readonly struct W12 : IRowWidth
{
    public static int Width => 12;
}
