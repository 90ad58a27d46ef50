using System.Globalization;
using System.Linq;
using System.Text;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Parsing;

namespace ModelGen.Generator.Mapping;

/// <summary>
/// The compact, deterministic text of a model's <see cref="ShapeTable"/> (and the tied and computed entries of its
/// <see cref="KeyTable"/>) that the generator writes into the model's key table, so that <c>modelgen check</c> runs
/// the build's own shape, dtype, tie and config checks on it instead of imitating them. JSON of positional arrays:
/// <code>
/// {"format":1,"model":NAME,"at":LOC,"keys":[KEY...],"lists":[LIST...],"ties":[TIE...]}
/// KEY  = [pattern, [DIM...], unknown, DIM-or-null (dtype), member, LOC]
/// LIST = [prefix, depth, DIM-or-null (length), member, LOC]
/// TIE  = [pattern, tiedTo, computed, member, LOC]           (only entries with [TiedTo] or computed)
/// DIM  = [kind, value, name, jsonName, text, LOC, [DIM...]] (kind: a DimKind member name)
/// LOC  = null or [file name, line, column, end line, end column] (0-based, as LinePosition)
/// </code>
/// Locations keep the file name only: messages name positions as <c>Models.cs(12,30)</c> (<see cref="ShapeFormat.Where"/>),
/// and the build's absolute paths would make the generated code depend on where the project was built.
/// </summary>
internal static class ShapeTableText
{
    /// <summary>The version written as <c>format</c>; a reader refuses any other.</summary>
    public const int Format = 1;

    public static string Write(ShapeTable shapes, KeyTable keys)
    {
        var b = new StringBuilder(256 + shapes.Keys.Count * 160);
        b.Append("{\"format\":").Append(Format.ToString(CultureInfo.InvariantCulture)).Append(",\"model\":");
        String(b, shapes.ModelName);
        b.Append(",\"at\":");
        Location(b, shapes.ModelLocation);
        b.Append(",\"keys\":[");
        for (int i = 0; i < shapes.Keys.Count; i++)
        {
            ShapedKey key = shapes.Keys[i];
            if (i > 0) b.Append(',');
            b.Append('[');
            String(b, key.Pattern);
            b.Append(',');
            Dims(b, key.Dims);
            b.Append(',');
            String(b, key.Unknown);
            b.Append(',');
            Dim(b, key.DType);
            b.Append(',');
            String(b, key.Member);
            b.Append(',');
            Location(b, key.Location);
            b.Append(']');
        }
        b.Append("],\"lists\":[");
        for (int i = 0; i < shapes.Lists.Count; i++)
        {
            ShapedList list = shapes.Lists[i];
            if (i > 0) b.Append(',');
            b.Append('[');
            String(b, list.Prefix);
            b.Append(',').Append(list.Depth.ToString(CultureInfo.InvariantCulture)).Append(',');
            Dim(b, list.Length);
            b.Append(',');
            String(b, list.Member);
            b.Append(',');
            Location(b, list.Location);
            b.Append(']');
        }
        b.Append("],\"ties\":[");
        bool first = true;
        foreach (KeyEntry entry in keys.Entries.Where(e => e.TiedTo is not null || e.Computed))
        {
            if (!first) b.Append(',');
            first = false;
            b.Append('[');
            String(b, entry.Pattern);
            b.Append(',');
            String(b, entry.TiedTo);
            b.Append(',').Append(entry.Computed ? "true" : "false").Append(',');
            String(b, entry.Member);
            b.Append(',');
            Location(b, entry.Location);
            b.Append(']');
        }
        return b.Append("]}").ToString();
    }

    private static void Dim(StringBuilder b, DimExpr? dim)
    {
        if (dim is null)
        {
            b.Append("null");
            return;
        }
        b.Append('[');
        String(b, dim.Kind.ToString());
        b.Append(',').Append(dim.Value.ToString(CultureInfo.InvariantCulture)).Append(',');
        String(b, dim.Name);
        b.Append(',');
        String(b, dim.JsonName);
        b.Append(',');
        String(b, dim.Text);
        b.Append(',');
        Location(b, dim.Location);
        b.Append(',');
        Dims(b, dim.Operands);
        b.Append(']');
    }

    /// <summary>A JSON array of expressions.</summary>
    private static void Dims(StringBuilder b, EquatableArray<DimExpr> dims)
    {
        b.Append('[');
        for (int i = 0; i < dims.Count; i++)
        {
            if (i > 0) b.Append(',');
            Dim(b, dims[i]);
        }
        b.Append(']');
    }

    private static void Location(StringBuilder b, LocationInfo? location)
    {
        if (location is null)
        {
            b.Append("null");
            return;
        }
        b.Append('[');
        String(b, FileName(location.FilePath));
        var span = location.LineSpan;
        b.Append(',').Append(span.Start.Line.ToString(CultureInfo.InvariantCulture))
            .Append(',').Append(span.Start.Character.ToString(CultureInfo.InvariantCulture))
            .Append(',').Append(span.End.Line.ToString(CultureInfo.InvariantCulture))
            .Append(',').Append(span.End.Character.ToString(CultureInfo.InvariantCulture))
            .Append(']');
    }

    /// <summary>The file name of a path written with either separator, whatever the platform building the model.</summary>
    public static string FileName(string path)
    {
        int slash = System.Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        return slash < 0 ? path : path.Substring(slash + 1);
    }

    private static void String(StringBuilder b, string? value)
    {
        if (value is null)
        {
            b.Append("null");
            return;
        }
        b.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                default:
                    if (c < ' ') b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }
        b.Append('"');
    }
}
