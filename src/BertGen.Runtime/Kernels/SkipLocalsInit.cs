// Stack buffers in the kernels are always written before they are read; zeroing them first is wasted time.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
