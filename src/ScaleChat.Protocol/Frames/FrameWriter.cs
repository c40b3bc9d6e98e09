using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ScaleChat.Protocol.Frames;

/// <summary>
/// Writes one protocol object as compact UTF-8 JSON with a per-thread writer and buffer, so that
/// encoding allocates only the returned bytes. Shared by the server's and the client's frames.
/// </summary>
public static class FrameWriter
{
    // Relaxed escaping keeps non-ASCII text as UTF-8 rather than \uXXXX; control characters,
    // quotes and backslashes are still escaped, so no raw newline can appear inside an object.
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic]
    private static Utf8JsonWriter? _writer;

    /// <summary>Starts an object with its <c>type</c>; finish it with <see cref="End"/> on the same thread.</summary>
    public static Utf8JsonWriter Begin(ReadOnlySpan<byte> type)
    {
        var w = Start();
        w.WriteStartObject();
        w.WriteString("type"u8, type);
        return w;
    }

    /// <summary>Starts an empty document (the caller writes the whole object); finish it with <see cref="End"/>.</summary>
    public static Utf8JsonWriter Start()
    {
        var buffer = _buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = _writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        return writer;
    }

    /// <summary>Closes the object and returns its bytes.</summary>
    public static byte[] End()
    {
        var w = _writer!;
        w.WriteEndObject();
        w.Flush();
        var bytes = _buffer!.WrittenSpan.ToArray();
        if (_buffer.Capacity > 256 * 1024)
        {
            // A long history answer may have grown the buffer; do not keep it per thread.
            _buffer = null;
            _writer = null;
        }

        return bytes;
    }
}
