using System.Text.Json.Serialization;
using ScaleChat.LoadTest.Measurement;
using ScaleChat.LoadTest.Running;
using ScaleChat.LoadTest.Workload;

namespace ScaleChat.LoadTest.Reports;

/// <summary>JSON of the report, of a worker's samples and result, and of the settings handed to a worker.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = false,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Report))]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(Sample))]
[JsonSerializable(typeof(LoadSettings))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;

/// <summary>report.json as people read it: indented.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Report))]
internal sealed partial class IndentedReportJsonContext : JsonSerializerContext;
