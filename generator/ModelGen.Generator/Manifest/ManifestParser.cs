using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Manifest;

/// <summary>
/// Reads a checkpoint manifest: one tensor per line, <c>key [dtype [shape]]</c>, for example
/// <c>model.embed_tokens.weight BF16 [151936,2048]</c> (spaces inside the brackets are allowed, as Python prints
/// shapes: <c>[4096, 1]</c>). Blank lines and lines starting with <c>#</c> are ignored.
/// Every problem is reported at its line; valid lines are still used.
/// </summary>
internal static class ManifestParser
{
    /// <summary>The safetensors dtype names, in the order the format lists them.</summary>
    public static readonly IReadOnlyList<string> DTypes = new[]
    {
        "BOOL", "U8", "I8", "I16", "U16", "I32", "U32", "I64", "U64", "F16", "BF16", "F32", "F64", "C64",
        "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F4", "F6_E2M3", "F6_E3M2",
    };

    private static readonly HashSet<string> s_dtypes = new(DTypes, StringComparer.Ordinal);

    public static ManifestSpec Parse(string path, string model, SourceText? text)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var entries = new List<ManifestEntry>();
        if (text is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InvalidManifest,
                LocationInfo.InFile(path, default, default), path, "the file cannot be read"));
            return new ManifestSpec(path, model, EquatableArray<ManifestEntry>.Empty, diagnostics.ToEquatableArray());
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (TextLine line in text.Lines)
        {
            string content = text.ToString(line.Span);
            int first = 0;
            while (first < content.Length && char.IsWhiteSpace(content[first])) first++;
            if (first == content.Length || content[first] == '#') continue;

            List<(int Start, string Token)> tokens = Tokens(content, first);
            string key = tokens[0].Token;
            LocationInfo location = At(path, line, tokens[0].Start, key.Length);
            string? problem = Problem(tokens);
            if (problem is null && seen.TryGetValue(key, out int previous))
            {
                problem = $"key '{key}' appears again (first on line {previous + 1})";
            }
            if (problem is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.InvalidManifest, location, path, $"line {line.LineNumber + 1}: {problem}"));
                continue;
            }
            seen[key] = line.LineNumber;
            entries.Add(new ManifestEntry(key, line.LineNumber, tokens[0].Start, line.Start + tokens[0].Start, key.Length)
            {
                DType = tokens.Count > 1 ? tokens[1].Token : null,
                Shape = tokens.Count > 2 ? Dimensions(tokens[2].Token) : EquatableArray<long>.Empty,
                HasShape = tokens.Count > 2,
            });
        }
        if (entries.Count == 0 && diagnostics.Count == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InvalidManifest,
                LocationInfo.InFile(path, default, default), path, "it lists no tensors"));
        }
        return new ManifestSpec(path, model, entries.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private static LocationInfo At(string path, TextLine line, int column, int length) =>
        LocationInfo.InFile(path, new TextSpan(line.Start + column, length),
            new LinePositionSpan(new LinePosition(line.LineNumber, column), new LinePosition(line.LineNumber, column + length)));

    /// <summary>Whitespace-separated fields, except that a field starting with <c>[</c> runs to its closing <c>]</c>.</summary>
    private static List<(int, string)> Tokens(string content, int index)
    {
        var tokens = new List<(int, string)>();
        while (index < content.Length)
        {
            while (index < content.Length && char.IsWhiteSpace(content[index])) index++;
            if (index == content.Length) break;
            int start = index;
            if (content[index] == '[' && tokens.Count > 0)
            {
                int close = content.IndexOf(']', index);
                index = close < 0 ? content.Length : close + 1;
                string bracketed = content.Substring(start, index - start);
                tokens.Add((start, close < 0 ? bracketed.TrimEnd() : bracketed));
                continue;
            }
            while (index < content.Length && !char.IsWhiteSpace(content[index])) index++;
            tokens.Add((start, content.Substring(start, index - start)));
        }
        return tokens;
    }

    private static string? Problem(List<(int Start, string Token)> tokens)
    {
        if (tokens.Count > 3) return "expected 'key [dtype [shape]]' but found more fields";
        string key = tokens[0].Token;
        if (key.StartsWith(".", StringComparison.Ordinal) || key.EndsWith(".", StringComparison.Ordinal) || key.Contains(".."))
            return $"key '{key}' has an empty segment";
        if (tokens.Count > 1 && !s_dtypes.Contains(tokens[1].Token))
            return $"unknown dtype '{tokens[1].Token}'; the safetensors dtypes are {string.Join(", ", DTypes)}";
        if (tokens.Count > 2 && !IsShape(tokens[2].Token))
            return $"shape '{tokens[2].Token}' is not of the form [d0,d1,...]";
        return null;
    }

    private static bool IsShape(string token)
    {
        if (token.Length < 2 || token[0] != '[' || token[token.Length - 1] != ']') return false;
        string inner = token.Substring(1, token.Length - 2).Trim();
        if (inner.Length == 0) return true;
        foreach (string raw in inner.Split(','))
        {
            string dimension = raw.Trim();
            if (dimension.Length == 0 || dimension.Length > 18) return false;
            foreach (char c in dimension)
            {
                if (c < '0' || c > '9') return false;
            }
        }
        return true;
    }

    /// <summary>The dimensions of a token <see cref="IsShape"/> accepted (digits, commas and spaces only), read without splitting.</summary>
    private static EquatableArray<long> Dimensions(string token)
    {
        var dimensions = new List<long>(4);
        long value = 0;
        bool any = false;
        for (int i = 1; i < token.Length - 1; i++)
        {
            char c = token[i];
            if (c >= '0' && c <= '9')
            {
                value = value * 10 + (c - '0');
                any = true;
            }
            else if (c == ',')
            {
                dimensions.Add(value);
                value = 0;
                any = false;
            }
        }
        if (any) dimensions.Add(value);
        return dimensions.ToEquatableArray();
    }
}
