using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using BertGen.IO;

namespace BertGen.Checkpoints;

/// <summary>One tensor of a safetensors file: its dtype, shape and byte range in the data section.</summary>
/// <param name="Name">The tensor's name in the header.</param>
/// <param name="DType">Its dtype, such as F32 or I32.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Begin">Where its bytes start in the data section.</param>
/// <param name="End">Where its bytes end in the data section (exclusive).</param>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>The shape as text, e.g. [14, 7].</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>A tensor to write: float32, float64 or int32 values with a shape.</summary>
/// <param name="Name">The tensor's name in the header.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Float32">Its values when it is F32 (from <paramref name="Offset"/> on).</param>
/// <param name="Float64">Its values when it is F64.</param>
/// <param name="Int32">Its values when it is I32.</param>
/// <param name="Offset">Where its values start in the array.</param>
public readonly record struct SafeTensorData(string Name, int[] Shape, float[]? Float32 = null, double[]? Float64 = null, int[]? Int32 = null, int Offset = 0)
{
    /// <summary>A F32 tensor of <paramref name="values"/> from <paramref name="offset"/> on.</summary>
    public static SafeTensorData Of(string name, int[] shape, float[] values, int offset = 0) => new(name, shape, Float32: values, Offset: offset);

    /// <summary>A F64 tensor of <paramref name="values"/> from <paramref name="offset"/> on.</summary>
    public static SafeTensorData Of(string name, int[] shape, double[] values, int offset = 0) => new(name, shape, Float64: values, Offset: offset);

    /// <summary>An I32 tensor of <paramref name="values"/> from <paramref name="offset"/> on.</summary>
    public static SafeTensorData Of(string name, int[] shape, int[] values, int offset = 0) => new(name, shape, Int32: values, Offset: offset);

    /// <summary>Number of values: the product of the shape.</summary>
    public long Count => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A safetensors file (https://huggingface.co/docs/safetensors): an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and data offsets (and a string-to-string <c>__metadata__</c>), then the data.
/// Reading checks everything a hostile file could get wrong before a value is touched, and reads no more than the
/// header describes: the header length is checked against the file and a cap before the header is read, and the data
/// is read tensor by tensor, from the file, only when asked for.
/// </summary>
public sealed class SafeTensorsFile
{
    /// <summary>
    /// Metadata key of the SHA-256 of the data section. BertGen writes it and checks it on reading, so a flipped bit in
    /// the values is found; files from other tools, which lack it, are read without the check.
    /// </summary>
    public const string DataHashKey = "bertgen.data_sha256";

    /// <summary>Headers larger than this are refused, as the reference implementation does.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private static readonly Dictionary<string, int> DTypeSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8,
        ["F32"] = 4,
        ["F16"] = 2,
        ["BF16"] = 2,
        ["I64"] = 8,
        ["I32"] = 4,
        ["I16"] = 2,
        ["I8"] = 1,
        ["U64"] = 8,
        ["U32"] = 4,
        ["U16"] = 2,
        ["U8"] = 1,
        ["BOOL"] = 1,
    };

    private readonly ByteSource _data;
    private readonly long _dataStart;
    private readonly long _dataLength;
    private readonly Dictionary<string, SafeTensorEntry> _byName;

    private SafeTensorsFile(string source, ByteSource data, long dataStart, long dataLength, List<SafeTensorEntry> tensors, Dictionary<string, string> metadata)
    {
        Source = source;
        _data = data;
        _dataStart = dataStart;
        _dataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Where the file was read from, for messages.</summary>
    public string Source { get; }

    /// <summary>Every tensor of the header, in the header's order.</summary>
    public IReadOnlyList<SafeTensorEntry> Tensors { get; }

    /// <summary>The header's string-to-string <c>__metadata__</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Bytes of the data section the header describes (up to the largest end offset).</summary>
    public long DataLength => _dataLength;

    /// <summary>Reads and checks a file: its header, then its checksum when it has one.</summary>
    /// <exception cref="InputException">The file cannot be read or is not a well-formed safetensors file.</exception>
    public static SafeTensorsFile Read(string path)
    {
        var file = Open(path);
        file.VerifyChecksum();
        return file;
    }

    /// <summary>
    /// Reads and checks a file's header only; the data is read when a tensor is asked for. Call
    /// <see cref="VerifyChecksum"/> before trusting the values.
    /// </summary>
    /// <exception cref="InputException">The file cannot be read or its header is not a well-formed safetensors header.</exception>
    public static SafeTensorsFile Open(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                throw Bad(path, "it is a folder");
            }

            long length = new FileInfo(path).Length;
            var source = new FileSource(path);
            return Parse(source, length, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InputException($"cannot read '{path}': {e.Message}", e);
        }
    }

    /// <summary>Checks and parses the bytes of a safetensors file; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="InputException">The bytes are not a well-formed safetensors file.</exception>
    public static SafeTensorsFile Parse(byte[] bytes, string source)
    {
        var file = Parse(new BytesSource(bytes), bytes.Length, source);
        file.VerifyChecksum();
        return file;
    }

    /// <summary>
    /// Checks the SHA-256 of the data against the one BertGen wrote into the metadata (files from other tools, without
    /// it, pass), reading the data a megabyte at a time.
    /// </summary>
    /// <exception cref="InputException">The data does not match its checksum, or cannot be read.</exception>
    public void VerifyChecksum()
    {
        if (!Metadata.TryGetValue(DataHashKey, out var expected))
        {
            return;
        }

        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[(int)Math.Min(1 << 20, Math.Max(1, _dataLength))];
        for (long at = 0; at < _dataLength; at += buffer.Length)
        {
            int count = (int)Math.Min(buffer.Length, _dataLength - at);
            ReadData(at, buffer.AsSpan(0, count));
            hash.AppendData(buffer, 0, count);
        }

        if (!string.Equals(expected, Convert.ToHexStringLower(hash.GetHashAndReset()), StringComparison.Ordinal))
        {
            throw Bad(Source, "its data does not match the checksum in its header (the file is damaged)");
        }
    }

    private static SafeTensorsFile Parse(ByteSource data, long length, string source)
    {
        if (length < 8)
        {
            throw Bad(source, $"it is {length} bytes long, too short for the 8-byte header length (or it is not a regular file)");
        }

        Span<byte> prefix = stackalloc byte[8];
        data.Read(0, prefix, source);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
        {
            throw Bad(source, $"its header length says {headerLength} bytes, more than the {MaxHeaderLength} a header may have");
        }

        if (headerLength > (ulong)(length - 8))
        {
            throw Bad(source, $"its header length says {headerLength} bytes, but only {length - 8} bytes follow");
        }

        var header = new byte[(int)headerLength];
        data.Read(8, header, source);
        var tensors = new List<SafeTensorEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        long dataStart = 8 + (long)headerLength;
        long available = length - dataStart;
        try
        {
            using var doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Bad(source, "its header is not a JSON object");
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    ReadMetadata(property.Value, metadata, source);
                    continue;
                }

                tensors.Add(ReadEntry(property, available, source));
            }
        }
        catch (JsonException e)
        {
            throw Bad(source, $"its header is not valid JSON ({e.Message.Split(" Path:")[0].TrimEnd('.')})");
        }
        catch (InvalidOperationException e)
        {
            // An escaped lone surrogate (\ud800) is valid JSON but not a string of Unicode text.
            throw Bad(source, $"a name or metadata value in its header is not valid Unicode text ({e.Message.TrimEnd('.')})");
        }

        var ordered = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        for (int i = 1; i < ordered.Count; i++)
        {
            if (ordered[i].Begin < ordered[i - 1].End)
            {
                throw Bad(source, $"tensors '{ordered[i - 1].Name}' and '{ordered[i].Name}' overlap");
            }
        }

        // BertGen's files end where their last tensor does; the checksum covers exactly the data the header describes
        // for them, and every file's data past the last tensor is left unread.
        long dataLength = metadata.ContainsKey(DataHashKey) ? available : tensors.Count == 0 ? 0 : tensors.Max(t => t.End);
        return new SafeTensorsFile(source, data, dataStart, dataLength, tensors, metadata);
    }

    /// <summary>The entry called <paramref name="name"/>, or null.</summary>
    public SafeTensorEntry? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Copies a F32 tensor's values into <paramref name="destination"/> (whose length must match).</summary>
    public void CopyTo(string name, Span<float> destination) => Copy(name, "F32", MemoryMarshal.AsBytes(destination), destination.Length);

    /// <summary>Copies a F64 tensor's values into <paramref name="destination"/>.</summary>
    public void CopyTo(string name, Span<double> destination) => Copy(name, "F64", MemoryMarshal.AsBytes(destination), destination.Length);

    /// <summary>Copies an I32 tensor's values into <paramref name="destination"/>.</summary>
    public void CopyTo(string name, Span<int> destination) => Copy(name, "I32", MemoryMarshal.AsBytes(destination), destination.Length);

    /// <summary>
    /// <paramref name="count"/> values of a F32 tensor, from the <paramref name="start"/>th (in row-major order):
    /// one sample of a captured batch, say.
    /// </summary>
    public float[] Float32(string name, long start, int count)
    {
        var entry = Require(name);
        if (entry.DType != "F32")
        {
            throw Bad(Source, $"tensor '{name}' is {entry.DType}, expected F32");
        }

        long length = (entry.End - entry.Begin) / 4;
        if (start < 0 || count < 0 || start + count > length)
        {
            throw Bad(Source, $"tensor '{name}' holds {length} values; values {start} to {start + count} were asked for");
        }

        var values = new float[count];
        ReadData(entry.Begin + (start * 4), MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }

    /// <summary>A whole F32 tensor's values.</summary>
    public float[] Float32(string name)
    {
        var entry = Require(name);
        return Float32(name, 0, (int)((entry.End - entry.Begin) / 4));
    }

    /// <summary>A F64 tensor's values.</summary>
    public double[] Float64(string name)
    {
        var entry = Require(name);
        var values = new double[(entry.End - entry.Begin) / 8];
        CopyTo(name, values);
        return values;
    }

    /// <summary>An I32 tensor's values.</summary>
    public int[] Int32(string name)
    {
        var entry = Require(name);
        var values = new int[(entry.End - entry.Begin) / 4];
        CopyTo(name, values);
        return values;
    }

    /// <summary>Writes tensors and metadata to <paramref name="path"/>, whole or not at all.</summary>
    public static void Write(string path, IReadOnlyList<SafeTensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        AtomicFile.Write(path, stream => WriteTo(stream, tensors, metadata));

    /// <summary>The bytes of a safetensors file of <paramref name="tensors"/> and <paramref name="metadata"/>.</summary>
    public static byte[] ToBytes(IReadOnlyList<SafeTensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        WriteTo(stream, tensors, metadata);
        return stream.ToArray();
    }

    /// <summary>Writes a safetensors file of <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="stream"/>.</summary>
    public static void WriteTo(Stream stream, IReadOnlyList<SafeTensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors files are little-endian; this machine is not.");
        }

        using var hasher = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var t in tensors)
        {
            hasher.AppendData(Bytes(t));
        }

        var withHash = new Dictionary<string, string>(metadata ?? new Dictionary<string, string>()) { [DataHashKey] = Convert.ToHexStringLower(hasher.GetHashAndReset()) };
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            {
                json.WriteStartObject("__metadata__");
                foreach (var (key, value) in withHash)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var t in tensors)
            {
                long size = t.Count * (t.Float64 is null ? 4 : 8);
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", t.Float32 is not null ? "F32" : t.Float64 is not null ? "F64" : "I32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + size);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += size;
            }

            json.WriteEndObject();
        }

        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        header.Position = 0;
        header.CopyTo(stream);
        foreach (var t in tensors)
        {
            stream.Write(Bytes(t));
        }
    }

    private static ReadOnlySpan<byte> Bytes(SafeTensorData t)
    {
        int count = checked((int)t.Count);
        return t.Float32 is not null ? MemoryMarshal.AsBytes(t.Float32.AsSpan(t.Offset, count))
            : t.Float64 is not null ? MemoryMarshal.AsBytes(t.Float64.AsSpan(t.Offset, count))
            : MemoryMarshal.AsBytes(t.Int32!.AsSpan(t.Offset, count));
    }

    private void Copy(string name, string dtype, Span<byte> destination, int count)
    {
        var entry = Require(name);
        if (entry.DType != dtype)
        {
            throw Bad(Source, $"tensor '{name}' is {entry.DType}, expected {dtype}");
        }

        if (entry.End - entry.Begin != destination.Length)
        {
            throw Bad(Source, $"tensor '{name}' holds {(entry.End - entry.Begin) / DTypeSizes[dtype]} values, expected {count}");
        }

        ReadData(entry.Begin, destination);
    }

    /// <summary>Reads data bytes from <paramref name="offset"/> in the data section.</summary>
    private void ReadData(long offset, Span<byte> destination) => _data.Read(_dataStart + offset, destination, Source);

    private SafeTensorEntry Require(string name) =>
        Find(name) ?? throw Bad(Source, $"it has no tensor '{name}'");

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Bad(source, "its __metadata__ is not an object");
        }

        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw Bad(source, $"__metadata__ entry '{item.Name}' is not a string");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafeTensorEntry ReadEntry(JsonProperty property, long dataLength, string source)
    {
        string name = property.Name;
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
        {
            throw Bad(source, $"tensor '{name}' lacks a string dtype, a shape array or a data_offsets array");
        }

        string dtype = dtypeElement.GetString()!;
        if (!DTypeSizes.TryGetValue(dtype, out int size))
        {
            throw Bad(source, $"tensor '{name}' has unknown dtype '{dtype}'");
        }

        if (shapeElement.GetArrayLength() > 8)
        {
            throw Bad(source, $"tensor '{name}' has {shapeElement.GetArrayLength()} dimensions");
        }

        var shape = new List<long>();
        foreach (var d in shapeElement.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long n) || n < 0)
            {
                throw Bad(source, $"tensor '{name}' has a shape entry that is not a non-negative integer");
            }

            shape.Add(n);
        }

        // A dimension of 0 makes the tensor empty whatever the others are; otherwise the product, which must fit the data
        // (a value is at least a byte), is checked before it can overflow.
        long count = shape.Contains(0) ? 0 : 1;
        for (int k = 0; k < shape.Count && count != 0; k++)
        {
            if (count > dataLength / shape[k])
            {
                throw Bad(source, $"tensor '{name}' has shape [{string.Join(", ", shape)}], larger than the file");
            }

            count *= shape[k];
        }

        if (offsetsElement.GetArrayLength() != 2)
        {
            throw Bad(source, $"tensor '{name}' needs exactly two data_offsets");
        }

        long[] offsets = new long[2];
        int i = 0;
        foreach (var o in offsetsElement.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out offsets[i]) || offsets[i] < 0)
            {
                throw Bad(source, $"tensor '{name}' has a data offset that is not a non-negative integer");
            }

            i++;
        }

        if (offsets[0] > offsets[1] || offsets[1] > dataLength)
        {
            throw Bad(source, $"tensor '{name}' has data offsets [{offsets[0]}, {offsets[1]}] outside the {dataLength} data bytes");
        }

        if (count > dataLength / size || offsets[1] - offsets[0] != count * size)
        {
            throw Bad(source, $"tensor '{name}' of shape [{string.Join(", ", shape)}] and dtype {dtype} needs {count * size} bytes, but its offsets give {offsets[1] - offsets[0]}");
        }

        return new SafeTensorEntry(name, dtype, shape.ToArray(), offsets[0], offsets[1]);
    }

    private static InputException Bad(string source, string what) => new($"'{source}' is not a valid safetensors file: {what}.");

    /// <summary>Where a file's bytes are read from: the file itself, or bytes in memory.</summary>
    private abstract class ByteSource
    {
        public abstract void Read(long offset, Span<byte> destination, string name);
    }

    /// <summary>A file on disk, opened for each read, so that no handle outlives the call.</summary>
    private sealed class FileSource(string path) : ByteSource
    {
        public override void Read(long offset, Span<byte> destination, string name)
        {
            try
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
                int total = 0;
                while (total < destination.Length)
                {
                    int read = RandomAccess.Read(handle, destination[total..], offset + total);
                    if (read == 0)
                    {
                        throw Bad(name, $"it ended at byte {offset + total}, before the {destination.Length} bytes its header describes there (was it changed?)");
                    }

                    total += read;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InputException($"cannot read '{name}': {e.Message}", e);
            }
        }
    }

    private sealed class BytesSource(byte[] bytes) : ByteSource
    {
        public override void Read(long offset, Span<byte> destination, string name) =>
            bytes.AsSpan((int)offset, destination.Length).CopyTo(destination);
    }
}
