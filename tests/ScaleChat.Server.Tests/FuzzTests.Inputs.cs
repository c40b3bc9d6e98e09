using System.Text;

namespace ScaleChat.Server.Tests;

/// <summary>
/// The inputs: every client object type of docs/protocol.md and both legacy shapes, built as
/// fields so they can be mutated field by field (dropped, retyped, duplicated, given edge values,
/// JSON-escaped lone surrogates in values and keys, deep nesting, huge numbers, long strings), then
/// mutated as text (truncated, spliced, doubled), plus random text. All of it is valid UTF-16, so
/// it goes out as valid UTF-8: the connection survives it; invalid UTF-8 is sent on raw connections.
/// </summary>
public sealed partial class FuzzTests
{
    private static readonly string[] Rooms = ["fz0", "fz1", "fz2", "global", CleanRoom];
    private static readonly string[] Users = ["fz-a", "fz-b", "nobody", "clean-a", "clean-b"];
    private static readonly string[] Types = ["hello", "join", "leave", "send", "history", "who", "ping"];
    private static readonly string[] LoneSurrogates = ["\\ud800", "\\udfff", "\\udbff", "\\udc00", "\\udc00\\ud800", "x\\ud800y", "\\ud83d"];

    private static readonly string[] EdgeValues =
    [
        "\"\"", "null", "true", "false", "0", "-1", "1.5", "-0", "[]", "{}", "\"a b\"", "\"global\"", "\"clean\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udfff\"", "\"\\uD83D\\uDE00\"", "\"\\uffff\"", "\"\\\\\"", "\"\\/\"", "\"\\t\\r\"",
        "1e999", "-1e999", "123456789012345678901234567890", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "0.0000001", "1E+2", "{\"seq\":1,\"epoch\":\"e\"}", "{\"seq\":-1,\"epoch\":5}",
        "{\"seq\":1e999,\"epoch\":\"\\ud800\"}", "[1,[2,[3]]]", "\"" + new string('n', 65) + "\"",
    ];

    private static readonly string RandomAlphabet =
        "{}[]:,\"\\ \t\r0123456789-+.eEtrufalsn" + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_/" + "\u0000\u0001\u001f\u007f\u00e9\u00ff\u0100\u20ac\ufeff\uffff\u4e2d";

    /// <summary>One version-1 object: a mutated template (most of the time) or random text.</summary>
    private static string V1Input(Random random, bool beforeHello = false)
    {
        var type = beforeHello && random.Next(3) > 0 ? "hello" : Pick(random, Types);
        return random.Next(100) switch
        {
            < 3 => RandomText(random),
            < 6 => Truncate(random, Serialize(Template(random, type))),
            _ => MutateText(random, Serialize(Mutate(random, Template(random, type)))),
        };
    }

    /// <summary>One legacy frame: a mutated original or later shape, or random text.</summary>
    private static string LegacyInput(Random random)
    {
        if (random.Next(100) < 3)
        {
            return RandomText(random);
        }

        var fields = random.Next(2) == 0
            ? new List<(string, string)> { (Case(random, "clientId"), Str(Pick(random, Users))), (Case(random, "message"), Str(Text(random))) }
            : [("message_id", random.Next(3) == 0 ? Str("m" + random.Next(1000)) : random.Next(1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture)),
               (Case(random, "text"), Str(Text(random))), (Case(random, "sender"), Str(Pick(random, Users))),
               ("sent_at", Str("2022-02-08T10:00:00Z")), ("room", Str(Pick(random, Rooms)))];
        return MutateText(random, Serialize(Mutate(random, fields)));
    }

    private static List<(string Key, string Value)> Template(Random random, string type)
    {
        var fields = new List<(string, string)> { ("type", Str(type)) };
        switch (type)
        {
            case "hello":
                fields.Add(("name", Str("fz-" + random.Next(50))));
                fields.Add(("presence", random.Next(2) == 0 ? "true" : "false"));
                break;
            case "join":
                fields.Add(("room", Str(Pick(random, Rooms))));
                if (random.Next(3) == 0)
                {
                    fields.Add(("after", $"{{\"seq\":{random.Next(100)},\"epoch\":\"e{random.Next(9)}\"}}"));
                }

                break;
            case "leave" or "who":
                fields.Add(("room", Str(Pick(random, Rooms))));
                break;
            case "send" when random.Next(2) == 0:
                fields.Add(("room", Str(Pick(random, Rooms))));
                fields.Add(("text", Str(Text(random))));
                break;
            case "send":
                fields.Add(("to", Str(Pick(random, Users))));
                fields.Add(("text", Str(Text(random))));
                break;
            case "history":
                fields.Add(("room", Str(Pick(random, Rooms))));
                if (random.Next(2) == 0)
                {
                    fields.Add(("before", random.Next(1, 50).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                }

                fields.Add(("limit", random.Next(1, 600).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                break;
        }

        if (random.Next(2) == 0)
        {
            fields.Add(("ref", random.Next(2) == 0 ? random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture) : Str("r" + random.Next(1000))));
        }

        return fields;
    }

    /// <summary>Zero to three structural mutations.</summary>
    private static List<(string Key, string Value)> Mutate(Random random, List<(string Key, string Value)> fields)
    {
        for (var n = random.Next(4); n > 0; n--)
        {
            var i = random.Next(fields.Count);
            switch (random.Next(12))
            {
                case 0 when fields.Count > 1: fields.RemoveAt(i); break;
                case 1: fields[i] = (fields[i].Key, Pick(random, EdgeValues)); break;
                case 2: fields.Insert(random.Next(fields.Count + 1), (Pick(random, ["type", "name", "room", "to", "text", "ref", "after", "before", "limit", "presence", "token", "from", "x"]), Pick(random, EdgeValues))); break;
                case 3: fields.Insert(random.Next(fields.Count + 1), fields[i]); break;
                case 4: fields[i] = (fields[i].Key, Str(Pick(random, ["", "a", "fz", "clean", "hello"]) + Pick(random, LoneSurrogates) + Pick(random, ["", "b", "!"]))); break;
                case 5: fields[i] = (Splice(random, fields[i].Key, Pick(random, LoneSurrogates)), fields[i].Value); break;
                case 6: fields[i] = (fields[i].Key, Nested(random)); break;
                case 7: fields[i] = (fields[i].Key, Pick(random, ["1e999", "-1e999", "123456789012345678901234567890123456789", "18446744073709551616", "1" + new string('0', 400), "0." + new string('0', 400) + "1"])); break;
                case 8: fields[i] = (fields[i].Key, Str(LongString(random))); break;
                case 9: fields[i] = (fields[i].Key, Str(Pick(random, ["Hello", "SEND", " ping", "ping\\u0000", "who ", "histor", "join\\n"]))); break;
                case 10: fields.Reverse(); break;
                default: fields[i] = (fields[i].Key, Pick(random, ["7", "null", "[]", "{}", "true", "\"\""])); break;
            }
        }

        return fields;
    }

    /// <summary>Text-level damage, one time in three.</summary>
    private static string MutateText(Random random, string json) => random.Next(30) switch
    {
        0 => Truncate(random, json),
        1 => json + json, // two objects on one line
        2 => "[" + json + "]",
        3 => json + Pick(random, ["}", ",", "]", " ", "\t", "\u0000", "\"", "{"]),
        4 => Splice(random, json, RandomAlphabet[random.Next(RandomAlphabet.Length)].ToString()),
        5 => json.Remove(random.Next(json.Length), 1),
        6 => "\ufeff" + json,
        7 => Pick(random, ["", " ", "\t", "\r", "{}", "null", "\"\"", "[]"]),
        8 => json.Replace("\"", "'", StringComparison.Ordinal),
        9 => json.Replace(":", ": \n ", StringComparison.Ordinal), // a raw newline splits the line
        _ => json,
    };

    private static string Nested(Random random)
    {
        var depth = random.Next(2) == 0 ? random.Next(14, 20) : random.Next(100, 3000);
        return random.Next(2) == 0
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
    }

    private static string LongString(Random random)
    {
        var length = Pick(random, [64, 65, 4095, 4096, 4097, 2049, 20_000, 40_000]);
        var unit = Pick(random, ["x", "\u00e9", "\\\"", "\\u00e9", "\ud83d\ude00"]);
        var text = new StringBuilder(length * unit.Length);
        while (text.Length < length)
        {
            text.Append(unit);
        }

        return text.ToString();
    }

    private static string Text(Random random) => random.Next(10) switch
    {
        0 => "",
        1 => LongString(random),
        2 => "caf\u00e9 \ud83d\ude00 \\\" \\n \\u00e9",
        _ => "hi " + random.Next(100_000),
    };

    private static string RandomText(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(1, 200); n > 0; n--)
        {
            text.Append(random.Next(50) == 0 ? "\ud83d\ude00" : RandomAlphabet[random.Next(RandomAlphabet.Length)].ToString());
        }

        return text.ToString();
    }

    private static string Truncate(Random random, string json) => json[..random.Next(json.Length + 1)];

    private static string Splice(Random random, string text, string insert) => text.Insert(random.Next(text.Length + 1), insert);

    private static string Case(Random random, string key) => random.Next(4) switch
    {
        0 => key.ToUpperInvariant(),
        1 => char.ToUpperInvariant(key[0]) + key[1..],
        _ => key,
    };

    private static string Serialize(List<(string Key, string Value)> fields) =>
        "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";

    private static string Str(string content) => "\"" + content + "\"";

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
