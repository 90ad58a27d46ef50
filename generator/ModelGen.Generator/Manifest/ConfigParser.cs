using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Diagnostics;
using ModelGen.Json;

namespace ModelGen.Generator.Manifest;

/// <summary>
/// Reads a model's config.json into its scalar values by dotted path, through the JSON reader the build tasks use
/// (runtime/ModelGen.Build.Tasks/Json/SmallJsonReader.cs, linked into this assembly), and reports the first syntax
/// error at its line. A key written twice is kept twice (<see cref="ConfigSpec.Find"/> takes the first). Arrays are
/// checked but their elements are not kept: no shape depends on them.
/// </summary>
internal static class ConfigParser
{
    public static ConfigSpec Parse(string path, string model, SourceText? text)
    {
        if (text is null)
        {
            return new ConfigSpec(path, model, EquatableArray<ConfigValue>.Empty, new[]
            {
                DiagnosticInfo.Create(Descriptors.InvalidConfig, LocationInfo.InFile(path, default, default), path, "the file cannot be read"),
            }.ToEquatableArray());
        }
        SmallJsonValue root;
        try
        {
            root = SmallJsonReader.Parse(text.ToString(), SmallJsonRules.ObjectRoot);
        }
        catch (SmallJsonException e)
        {
            LinePosition position = text.Lines.GetLinePosition(e.Offset);
            var location = LocationInfo.InFile(path, new TextSpan(e.Offset, 0), new LinePositionSpan(position, position));
            return new ConfigSpec(path, model, EquatableArray<ConfigValue>.Empty, new[]
            {
                DiagnosticInfo.Create(Descriptors.InvalidConfig, location, path, $"line {position.Line + 1}: {e.Message}"),
            }.ToEquatableArray());
        }
        var values = new List<ConfigValue>();
        Collect(root, "", text.Lines, values);
        return new ConfigSpec(path, model, values.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty);
    }

    /// <summary>Adds the scalars of <paramref name="value"/> (at <paramref name="path"/>) outside arrays, in the order written.</summary>
    private static void Collect(SmallJsonValue value, string path, TextLineCollection lines, List<ConfigValue> into)
    {
        switch (value.Kind)
        {
            case SmallJsonKind.Object:
                foreach (SmallJsonMember member in value.Members)
                {
                    Collect(member.Value, path.Length == 0 ? member.Name : path + "." + member.Name, lines, into);
                }
                return;
            case SmallJsonKind.Array:
                return;
        }
        long? integer = value.Kind == SmallJsonKind.Number
            && long.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n : null;
        bool? boolean = value.Kind switch
        {
            SmallJsonKind.True => true,
            SmallJsonKind.False => false,
            _ => null,
        };
        LinePosition position = lines.GetLinePosition(value.Start);
        into.Add(new ConfigValue(path, value.Text, integer, boolean, value.Start, value.Length, position.Line, position.Character));
    }
}
