using System.Text.Json;

namespace ScaleChat.Protocol;

/// <summary>
/// A client-chosen reference (a string of at most 64 characters or an integer), echoed as given.
/// </summary>
public readonly record struct MessageRef
{
    /// <summary>The longest string reference.</summary>
    public const int MaxLength = 64;

    private MessageRef(string? text, long number, bool isNumber)
    {
        Text = text;
        Number = number;
        IsNumber = isNumber;
    }

    /// <summary>The string value, when the reference is a string.</summary>
    public string? Text { get; }

    /// <summary>The integer value, when <see cref="IsNumber"/>.</summary>
    public long Number { get; }

    /// <summary>Whether the reference is an integer.</summary>
    public bool IsNumber { get; }

    /// <summary>Whether there is a reference at all.</summary>
    public bool HasValue => IsNumber || Text is not null;

    /// <summary>A string reference.</summary>
    public static MessageRef FromString(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new MessageRef(text, 0, false);
    }

    /// <summary>An integer reference.</summary>
    public static MessageRef FromNumber(long number) => new(null, number, true);

    /// <summary>Writes the reference as a property named <c>ref</c>, if there is one.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        if (IsNumber)
        {
            writer.WriteNumber("ref"u8, Number);
        }
        else if (Text is not null)
        {
            writer.WriteString("ref"u8, Text);
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsNumber ? Number.ToString(System.Globalization.CultureInfo.InvariantCulture) : Text ?? "";
}
